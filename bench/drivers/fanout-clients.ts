/**
 * Fanout clients: stock providers (the server's own), `perRoom` of them in each of
 * `rooms`, each typing `rate` one-character edits per second. The clients
 * of one layout are spread over several of these processes so that no
 * client process is the bottleneck; times are read from the monotonic
 * clock, which all processes of the machine share. An edit's arrival is
 * noted where it is cheapest, the moment its frame reaches a receiving
 * client's socket (before the provider applies it), keyed by the edit's
 * Yjs id (client, clock); the orchestrator matches arrivals to sends. An
 * update that carries several edits (Hocuspocus merges the updates of one
 * event-loop turn into one broadcast) notes an arrival for each.
 */
import * as Y from 'yjs'
import { WebSocket } from 'ws'
import { idKey, noteArrivals, now } from '../lib/arrivals.js'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { firstId } from '../lib/protocol-client.js'
import { type RoomProvider, connectProvider, whenSynced } from '../lib/providers.js'
import { type Wire, unwrap } from '../lib/wire.js'

interface Options {
  wire: Wire
  providerUrl: string
  roomPrefix: string
  /** Indexes of the rooms whose clients run here. */
  rooms: number[]
  /** Clients per room in this process. */
  perRoom: number
  /** Clients per room in all processes together. */
  perRoomInAll: number
  rate: number
  durationMs: number
}

const options = driverOptions<Options>()
const ROOT = 'fanout'

/** [key, time] of every edit typed here. */
const sent: number[] = []
/** [key, receiving client, time] of every update frame that reached a client here. */
const arrivals: number[] = []

/** A `ws` WebSocket that notes each update frame's arrival before the provider's own handler runs. */
function timedSocket(receiverClientId: () => number) {
  return class TimedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const arrivedAt = now()
        const frame = unwrap(options.wire, data instanceof ArrayBuffer ? new Uint8Array(data) : data)
        // [0 sync][2 update][length][update]
        if (frame === null || frame[0] !== 0 || frame[1] !== 2) return
        let at = 2
        while (frame[at]! >= 0x80) at++
        noteArrivals(arrivals, frame.subarray(at + 1), receiverClientId(), receiverClientId(), arrivedAt)
      })
    }
  }
}

interface Client {
  doc: Y.Doc
  text: Y.Text
  provider: RoomProvider
  room: number
}

const clients: Client[] = []
for (const room of options.rooms) {
  for (let i = 0; i < options.perRoom; i++) {
    const doc = new Y.Doc()
    const provider = connectProvider(options.wire, {
      url: options.providerUrl, room: `${options.roomPrefix}-${room}`, doc, WebSocketClass: timedSocket(() => doc.clientID),
    })
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === provider.origin) return
      const id = firstId(update)
      if (id) sent.push(idKey(id.client, id.clock), now())
    })
    clients.push({ doc, text: doc.getText(ROOT), provider, room })
  }
}

await Promise.all(clients.map(({ provider }) => whenSynced(provider)))
report('ready', { clients: clients.length })

onCommand('go', async (command) => {
  const startAt = command.startAt as number
  while (now() < startAt) await new Promise((r) => setTimeout(r, 1))
  const cpuAtStart = process.cpuUsage()
  const editsEach = Math.round(options.rate * options.durationMs / 1000)
  const intervalMs = 1000 / options.rate
  // Each client has its own phase within the interval, so edits are spread evenly.
  const phases = clients.map((_, i) => (i / clients.length) * intervalMs)
  const done = new Array<number>(clients.length).fill(0)
  let remaining = editsEach * clients.length
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = now() - startAt
      for (let i = 0; i < clients.length; i++) {
        while (done[i]! < editsEach && phases[i]! + done[i]! * intervalMs <= elapsed) {
          const { text } = clients[i]!
          text.insert(Math.floor(Math.random() * (text.length + 1)), 'x')
          done[i]!++
          remaining--
        }
      }
      if (remaining === 0) resolve()
      else setTimeout(tick, 2)
    }
    tick()
  })
  const typedMs = now() - startAt
  const cpu = process.cpuUsage(cpuAtStart)
  // Every client here holds every edit of its room (from all processes), or 20 s went by.
  const expectedLength = editsEach * options.perRoomInAll
  const deadline = now() + 20_000
  while (clients.some((c) => c.text.length !== expectedLength) && now() < deadline) await new Promise((r) => setTimeout(r, 50))
  report('result', {
    editsEach, typedMs, clientCpuShare: (cpu.user + cpu.system) / 1000 / typedMs, sent, arrivals,
    texts: clients.map((c) => [c.room, c.text.toString()]),
  })
})

onCommand('close', () => {
  for (const { provider, doc } of clients) {
    provider.destroy()
    doc.destroy()
  }
  report('closed')
})

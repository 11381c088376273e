/**
 * Fanout clients: stock y-websocket providers, `perRoom` in each of `rooms`
 * rooms, each typing `rate` one-character edits per second for
 * `durationMs`. Latency is read where it is cheapest: the moment a frame
 * reaches the receiving client's socket, before the provider applies it,
 * matched to its send time by the edit's Yjs id (client, clock).
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { firstId } from '../lib/protocol-client.js'
import { max, quantile } from '../lib/stats.js'

interface Options {
  providerUrl: string
  roomPrefix: string
  rooms: number
  perRoom: number
  rate: number
  durationMs: number
  warmupMs: number
}

const options = driverOptions<Options>()
const ROOT = 'fanout'
const idKey = (client: number, clock: number) => client * 1e6 + clock

/** Send times of every edit, by its Yjs id. */
const sentAt = new Map<number, number>()
const latencies: number[] = []
/** Edits typed before this time are a warm-up (JIT, first allocations) and not counted. */
let measureFrom = Number.POSITIVE_INFINITY

/** A `ws` WebSocket that notes each update frame's arrival before the provider's own handler runs. */
function timedSocket(receiverClientId: () => number) {
  return class TimedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const arrivedAt = performance.now()
        const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : data
        // [0 sync][2 update][length][update]
        if (frame[0] !== 0 || frame[1] !== 2) return
        let at = 2
        while (frame[at]! >= 0x80) at++
        const id = firstId(frame.subarray(at + 1))
        if (!id || id.client === receiverClientId()) return
        const sent = sentAt.get(idKey(id.client, id.clock))
        if (sent !== undefined && sent >= measureFrom) latencies.push(arrivedAt - sent)
      })
    }
  }
}

interface Client {
  doc: Y.Doc
  text: Y.Text
  provider: WebsocketProvider
  room: number
}

const clients: Client[] = []
for (let room = 0; room < options.rooms; room++) {
  for (let i = 0; i < options.perRoom; i++) {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(options.providerUrl, `${options.roomPrefix}-${room}`, doc, {
      WebSocketPolyfill: timedSocket(() => doc.clientID) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
    const text = doc.getText(ROOT)
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === provider) return
      const id = firstId(update)
      if (id) sentAt.set(idKey(id.client, id.clock), performance.now())
    })
    clients.push({ doc, text, provider, room })
  }
}

await Promise.all(clients.map(({ provider }) => new Promise<void>((resolve) => {
  if (provider.synced) return resolve()
  provider.on('sync', (isSynced: boolean) => { if (isSynced) resolve() })
})))
report('ready', { clients: clients.length })

onCommand('go', async () => {
  const editsEach = Math.round(options.rate * options.durationMs / 1000)
  const intervalMs = 1000 / options.rate
  const started = performance.now()
  measureFrom = started + options.warmupMs
  // Each client has its own phase within the interval, so edits are spread evenly.
  const phases = clients.map((_, i) => (i / clients.length) * intervalMs)
  const done = new Array<number>(clients.length).fill(0)
  let remaining = editsEach * clients.length
  let editsMeasured = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started
      for (let i = 0; i < clients.length; i++) {
        while (done[i]! < editsEach && phases[i]! + done[i]! * intervalMs <= elapsed) {
          const { text } = clients[i]!
          if (performance.now() >= measureFrom) editsMeasured++
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
  const typedMs = performance.now() - started
  // Converged: every client of a room holds the same text with every edit of the room.
  const expectedLength = editsEach * options.perRoom
  const deadline = performance.now() + 20_000
  const isConverged = () => {
    for (let room = 0; room < options.rooms; room++) {
      const members = clients.filter((c) => c.room === room)
      const first = members[0]!.text.toString()
      if (first.length !== expectedLength || members.some((c) => c.text.toString() !== first)) return false
    }
    return true
  }
  let converged = isConverged()
  while (!converged && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    converged = isConverged()
  }
  const expectedArrivals = editsMeasured * (options.perRoom - 1)
  report('result', {
    typedMs, converged, expectedArrivals, arrivals: latencies.length,
    p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: max(latencies),
  })
})

onCommand('close', () => {
  for (const { provider, doc } of clients) {
    provider.destroy()
    doc.destroy()
  }
  report('closed')
})

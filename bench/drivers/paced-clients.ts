/**
 * Clients of one room for the curves: raw protocol clients (no Y.Doc of the
 * room, so a crowd of 500 costs the driver little), some of them writers
 * that send one-character edits at a set pace, each edit an update
 * encoded before the clock starts from the writer's own document. A
 * writer's document holds only its own edits: its updates depend on
 * nothing it has not sent, so the server accepts them as it would a
 * typist's. Every client notes the arrival of each edit it did not make,
 * on the machine's monotonic clock, for the orchestrator to match to its
 * send (bench/lib/arrivals.ts).
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { idKey, noteArrivals, now } from '../lib/arrivals.js'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import type { Wire } from '../lib/wire.js'

interface ClientSpec {
  /** The client's index among all clients of the room, in every driver process. */
  index: number
  url: string
  isWriter: boolean
}

interface Options {
  wire: Wire
  clients: ClientSpec[]
  /** Writers in all processes together, to know how many edits should arrive here. */
  writersInAll: number
}

const { wire, clients: specs, writersInAll } = driverOptions<Options>()
const CONNECT_CONCURRENCY = 32
const ROOT = 't'
/** How long a step waits for edits still on their way once the writers are done. */
const DRAIN_MS = 10_000

interface PacedClient {
  spec: ClientSpec
  connection: ProtocolClient
  /** The writer's own document (its clientID is the receiver id that filters out its own edits); null for a listener. */
  doc: Y.Doc | null
  prepared: Uint8Array[]
  /** The Yjs clock of the first prepared edit: edit i has clock firstClock + i. */
  firstClock: number
}

/** [key, time] per edit sent here. */
let sent: number[] = []
/** [key, receiving client index, time] per edit arrived here. */
let arrivals: number[] = []

const clients: PacedClient[] = []
let next = 0
const connectOne = async () => {
  while (next < specs.length) {
    const spec = specs[next++]!
    const connection = new ProtocolClient(spec.url, wire)
    const doc = spec.isWriter ? new Y.Doc() : null
    // A listener made no edit: no Yjs client id is its own. A writer's is its document's.
    const ownClient = doc?.clientID ?? -1
    connection.onDocMessage = ({ syncType, update }) => {
      if (syncType === 2) noteArrivals(arrivals, update, ownClient, spec.index, now())
    }
    clients.push({ spec, connection, doc, prepared: [], firstClock: 0 })
    await connection.synced
  }
}
await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, connectOne))
report('ready', { clients: clients.length })

/** Encodes each writer's next `count` edits as framed sync-update messages, before the clock starts. */
onCommand('prepare', (command) => {
  const count = command.count as number
  for (const client of clients) {
    if (!client.doc) continue
    const text = client.doc.getText(ROOT)
    client.firstClock = text.length
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array) => updates.push(update)
    client.doc.on('update', collect)
    for (let i = 0; i < count; i++) text.insert(text.length, 'x')
    client.doc.off('update', collect)
    client.prepared = updates.map((update) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      encoding.writeVarUint(encoder, 2)
      encoding.writeVarUint8Array(encoder, update)
      return client.connection.framing.wrap(encoding.toUint8Array(encoder))
    })
  }
  report('prepared')
})

/**
 * Sends every writer's prepared edits at `ratePerWriter` a second from
 * `startAt` (each writer with its own phase, so sends are spread evenly),
 * then waits until every edit of every writer has arrived at every other
 * client here, or DRAIN_MS pass.
 */
onCommand('go', async (command) => {
  const { startAt, ratePerWriter } = command as unknown as { startAt: number; ratePerWriter: number }
  sent = []
  arrivals = []
  const writers = clients.filter((c) => c.doc)
  const count = writers[0]?.prepared.length ?? 0
  const intervalMs = 1000 / ratePerWriter
  const phases = writers.map((_, i) => (i / Math.max(1, writers.length)) * intervalMs)
  const done = new Array<number>(writers.length).fill(0)
  while (now() < startAt) await new Promise((resolve) => setTimeout(resolve, 1))
  const cpuAtStart = process.cpuUsage()
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = now() - startAt
      let remaining = 0
      for (let w = 0; w < writers.length; w++) {
        const writer = writers[w]!
        while (done[w]! < count && phases[w]! + done[w]! * intervalMs <= elapsed) {
          writer.connection.ws.send(writer.prepared[done[w]!]!)
          sent.push(idKey(writer.doc!.clientID, writer.firstClock + done[w]!), now())
          done[w]!++
        }
        remaining += count - done[w]!
      }
      if (remaining === 0) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  const sendMs = now() - startAt
  const cpu = process.cpuUsage(cpuAtStart)
  // Every client here receives every writer's edits but its own.
  const expected = writersInAll * count * clients.length - writers.length * count
  const deadline = now() + DRAIN_MS
  while (arrivals.length / 3 < expected && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  report('result', {
    sent, arrivals, expected, sendMs, cpuShare: (cpu.user + cpu.system) / 1000 / sendMs,
    writers: writers.map((w) => [w.spec.index, w.doc!.clientID]),
  })
})

onCommand('close', async () => {
  for (const { connection } of clients) connection.close()
  await Promise.all(clients.map((c) => c.connection.closed))
  report('closed')
})

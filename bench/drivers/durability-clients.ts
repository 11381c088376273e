/**
 * Durability clients. Mode "typing": stock writers (the server's own
 * provider) typing fixed-length edits and stock observers, all reconnecting
 * on their own while the server is killed under them. Mode "burst": a raw
 * writer sending trace updates as fast as it can and a raw observer.
 * Observers note every edit they receive; after the final crash and
 * restart, "verify" loads the stored document and counts received edits
 * it lacks. An edit counts as received when what the observer received
 * holds it, whether it came alone or merged with others into one update
 * (as Hocuspocus broadcasts the updates of one event-loop turn).
 */
import * as Y from 'yjs'
import { WebSocket } from 'ws'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient, updateOf } from '../lib/protocol-client.js'
import { connectProvider, whenSynced } from '../lib/providers.js'
import { FixedLengthEdits, isContainedIn, storedState } from '../lib/received-edits.js'
import { TRACE_CLIENT_ID, loadTrace } from '../lib/trace.js'
import { type Wire, unwrap } from '../lib/wire.js'

interface Options {
  wire: Wire
  mode: 'typing' | 'burst'
  roomUrl: string
  /** How long to wait for the restarted server to send any content of the room. */
  loadWaitMs: number
  // typing
  providerUrl: string
  room: string
  writers: number
  observers: number
  editsPerSecond: number
  // burst
  burstCount: number
}

const options = driverOptions<Options>()
const EDIT_LENGTH = 8

/** A `ws` WebSocket that hands every document message it receives to `onUpdate` first. */
function recordingSocket(onUpdate: (update: Uint8Array) => void) {
  return class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const frame = unwrap(options.wire, data instanceof ArrayBuffer ? new Uint8Array(data) : data)
        const update = frame && updateOf(frame)
        if (update) onUpdate(update)
      })
    }
  }
}

async function loadStored(): Promise<Y.Doc> {
  const doc = new Y.Doc()
  const client = new ProtocolClient(options.roomUrl, options.wire)
  let lastContentAt: number | null = null
  client.onDocMessage = ({ update }) => {
    Y.applyUpdate(doc, update)
    if (update.length > 2) lastContentAt = performance.now()
  }
  // The reference answers before its stored state is loaded and sends that state as an update
  // once it is (seconds later for a long log): wait for content, then for 1 s of quiet.
  const started = performance.now()
  for (;;) {
    await new Promise((r) => setTimeout(r, 100))
    const now = performance.now()
    if (lastContentAt !== null ? now - lastContentAt > 1_000 : now - started > options.loadWaitMs) break
    if (now - started > options.loadWaitMs + 60_000) break
  }
  client.close()
  return doc
}

if (options.mode === 'typing') {
  const writerDocs = Array.from({ length: options.writers }, () => new Y.Doc())
  const authors = new Set(writerDocs.map((d) => d.clientID))
  const received = new FixedLengthEdits(EDIT_LENGTH, authors)
  const connect = (doc: Y.Doc, record: boolean) => connectProvider(options.wire, {
    url: options.providerUrl, room: options.room, doc, WebSocketClass: record ? recordingSocket((u) => received.add(u)) : WebSocket, maxBackoffMs: 300,
  })
  const writers = writerDocs.map((doc) => connect(doc, false))
  const observers = Array.from({ length: options.observers }, () => connect(new Y.Doc(), true))
  let timer: NodeJS.Timeout | null = null
  let written = 0

  await Promise.all([...writers, ...observers].map(whenSynced))
  report('ready')

  onCommand('go', () => {
    // Each writer types one fixed-length edit per tick, connected or not: offline edits are sent on reconnect.
    timer = setInterval(() => {
      for (const [w, doc] of writerDocs.entries()) {
        const text = doc.getText('t')
        text.insert(text.length, `[${w}:${String(written).padStart(4, '0')}]`.padEnd(EDIT_LENGTH, '.').slice(0, EDIT_LENGTH))
      }
      written++
    }, 1000 / options.editsPerSecond)
  })
  onCommand('close', () => {
    if (timer) clearInterval(timer)
    for (const p of [...writers, ...observers]) p.destroy()
    report('closed', { written: written * options.writers, received: received.count })
  })
  onCommand('verify', async () => {
    const stored = await loadStored()
    const writtenMissing = writerDocs.reduce((n, doc) => {
      const storedClock = Y.decodeStateVector(Y.encodeStateVector(stored)).get(doc.clientID) ?? 0
      const writtenClock = Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID) ?? 0
      return n + Math.max(0, writtenClock - storedClock) / EDIT_LENGTH
    }, 0)
    report('verified', { received: received.count, lost: received.missingFrom(stored), writtenNotStored: writtenMissing })
  })
} else {
  const { frames } = loadTrace(options.burstCount)
  const edits = frames.map((frame) => updateOf(frame)!)
  /** The writer's clock once every edit is applied: the observer has received them all when it has seen it. */
  const finalClock = Y.parseUpdateMeta(edits[edits.length - 1]!).to.get(TRACE_CLIENT_ID) ?? 0
  const received: Uint8Array[] = []
  let receivedClock = 0
  const writer = new ProtocolClient(options.roomUrl, options.wire)
  const observer = new ProtocolClient(options.roomUrl, options.wire)
  observer.onDocMessage = ({ update }) => {
    received.push(update)
    receivedClock = Math.max(receivedClock, Y.parseUpdateMeta(update).to.get(TRACE_CLIENT_ID) ?? 0)
  }
  writer.ws.on('error', () => {})
  await Promise.all([writer.synced, observer.synced])
  const wrapped = frames.map(writer.framing.wrap)
  report('ready')
  onCommand('go', async () => {
    const started = performance.now()
    await writer.sendAll(wrapped)
    const deadline = performance.now() + 60_000
    while (receivedClock < finalClock && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    report('sent', { ms: performance.now() - started, received: received.length })
  })
  onCommand('close', () => {
    writer.close()
    observer.close()
    report('closed', { received: received.length })
  })
  onCommand('verify', async () => {
    const stored = storedState(await loadStored())
    // Applied one by one, in the order received: Y.mergeUpdates over the 50,000 grows faster than linearly, and on
    // a slow day took the verification past its 80 s bound.
    const seen = new Y.Doc()
    Y.transact(seen, () => {
      for (const update of received) Y.applyUpdate(seen, update)
    })
    const observed = storedState(seen)
    const receivedEdits = edits.filter((u) => isContainedIn(u, observed.stateVector, observed.deletes))
    const lost = receivedEdits.filter((u) => !isContainedIn(u, stored.stateVector, stored.deletes)).length
    report('verified', { received: receivedEdits.length, lost })
  })
}

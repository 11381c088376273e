/**
 * Durability clients. Mode "typing": stock y-websocket writers typing
 * fixed-length edits and stock observers, all reconnecting on their own
 * while the server is killed under them. Mode "burst": a raw writer
 * sending trace updates as fast as it can and a raw observer. Observers
 * note every edit they receive; after the final crash and restart,
 * "verify" loads the stored document and counts received edits it lacks.
 */
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import { FixedLengthEdits, isContainedIn, storedState } from '../lib/received-edits.js'
import { loadTrace } from '../lib/trace.js'

interface Options {
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

/** The update carried by a sync step 2 or update frame, or null for any other message. */
function updateOf(frame: Uint8Array): Uint8Array | null {
  if (frame[0] !== 0 || (frame[1] !== 1 && frame[1] !== 2)) return null
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
}

/** A `ws` WebSocket that hands every document message it receives to `onUpdate` first. */
function recordingSocket(onUpdate: (update: Uint8Array) => void) {
  return class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const update = updateOf(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
        if (update) onUpdate(update)
      })
    }
  }
}

async function loadStored(): Promise<Y.Doc> {
  const doc = new Y.Doc()
  const client = new ProtocolClient(options.roomUrl)
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
  const socketClass = (record: boolean) => (record ? recordingSocket((u) => received.add(u)) : WebSocket) as unknown as typeof globalThis.WebSocket
  const connect = (doc: Y.Doc, record: boolean) => new WebsocketProvider(options.providerUrl, options.room, doc, {
    WebSocketPolyfill: socketClass(record), disableBc: true, maxBackoffTime: 300,
  })
  const writers = writerDocs.map((doc) => connect(doc, false))
  const observers = Array.from({ length: options.observers }, () => connect(new Y.Doc(), true))
  let timer: NodeJS.Timeout | null = null
  let written = 0

  await Promise.all([...writers, ...observers].map((p) => new Promise<void>((resolve) => {
    if (p.synced) resolve()
    else p.on('sync', (s: boolean) => { if (s) resolve() })
  })))
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
  const received: Uint8Array[] = []
  const writer = new ProtocolClient(options.roomUrl)
  const observer = new ProtocolClient(options.roomUrl)
  observer.onDocMessage = ({ update }) => received.push(update)
  writer.ws.on('error', () => {})
  await Promise.all([writer.synced, observer.synced])
  report('ready')
  onCommand('go', async () => {
    const started = performance.now()
    await writer.sendAll(frames)
    // The first message the observer received is the sync step 2 of the new room.
    const deadline = performance.now() + 60_000
    while (received.length < frames.length + 1 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    report('sent', { ms: performance.now() - started, received: received.length - 1 })
  })
  onCommand('close', () => {
    writer.close()
    observer.close()
    report('closed', { received: received.length })
  })
  onCommand('verify', async () => {
    const stored = await loadStored()
    const { stateVector, deletes } = storedState(stored)
    // The observer's first message is the (empty) sync step 2 of a new room: count edits only.
    const edits = received.filter((u) => !(u.length === 2 && u[0] === 0 && u[1] === 0))
    const lost = edits.filter((u) => !isContainedIn(u, stateVector, deletes)).length
    report('verified', { received: edits.length, lost })
  })
}

/**
 * A y-websocket client without a Y.Doc: it speaks the same protocol as the
 * stock provider (sync step 1 on open, answers the server's step 1) but
 * hands the server's document messages to the caller untouched. Used where
 * the client's own Yjs work must stay out of the figure: sending
 * pre-encoded updates, holding thousands of idle connections, timing a load.
 * On Hocuspocus it speaks that server's framing of the same messages
 * (bench/lib/wire.ts), as its own provider does.
 */
import { WebSocket } from 'ws'
import * as decoding from 'lib0/decoding'
import { type Framing, type Wire, framing, unwrap } from './wire.js'

const EMPTY_STATE_VECTOR_STEP_1 = Uint8Array.of(0, 0, 1, 0)
const EMPTY_UPDATE_STEP_2 = Uint8Array.of(0, 1, 2, 0, 0)

export interface DocMessage {
  /** 1 for sync step 2, 2 for an update. */
  syncType: number
  update: Uint8Array
  receivedAt: number
}

export class ProtocolClient {
  readonly ws: WebSocket
  readonly opened: Promise<void>
  /** Resolves when the server's sync step 2 (its answer to our step 1) has arrived. */
  readonly synced: Promise<void>
  readonly closed: Promise<void>
  onDocMessage: ((message: DocMessage) => void) | null = null
  isSynced = false
  /** Whether the socket closed without this client asking (a server's idle timeout, say). */
  isClosedByServer = false
  readonly framing: Framing
  private isClosing = false
  private resolveSynced!: () => void

  constructor(url: string, readonly wire: Wire = 'y-websocket') {
    this.framing = framing(wire, url)
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.ws.binaryType = 'nodebuffer'
    this.synced = new Promise((resolve) => { this.resolveSynced = resolve })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        for (const frame of this.framing.opening) this.ws.send(frame)
        this.send(EMPTY_STATE_VECTOR_STEP_1)
        resolve()
      })
      this.ws.once('error', reject)
    })
    this.closed = new Promise((resolve) => this.ws.once('close', () => {
      this.isClosedByServer = !this.isClosing
      resolve()
    }))
    this.ws.on('error', () => {})
    this.ws.on('message', (data: Buffer) => this.receive(data))
  }

  private receive(received: Buffer): void {
    const receivedAt = performance.now()
    const frame = unwrap(this.wire, received)
    if (frame === null || frame[0] !== 0) return
    const decoder = decoding.createDecoder(frame)
    decoding.readVarUint(decoder)
    const syncType = decoding.readVarUint(decoder)
    if (syncType === 0) {
      // The server's step 1: this client holds nothing the server lacks.
      this.send(EMPTY_UPDATE_STEP_2)
      return
    }
    const update = decoding.readVarUint8Array(decoder)
    if (syncType === 1 && !this.isSynced) {
      this.isSynced = true
      this.resolveSynced()
    }
    this.onDocMessage?.({ syncType, update, receivedAt })
  }

  /** Sends a y-websocket frame, framed for the server's wire. */
  send(frame: Uint8Array): void {
    this.ws.send(this.framing.wrap(frame))
  }

  /**
   * Sends the frames as fast as the socket drains: up to `highWaterBytes`
   * are queued, then it waits for the kernel to take them. The frames are
   * already framed for the wire (`framing.wrap`), so that a timed send does
   * not also time the framing.
   */
  async sendAll(frames: readonly Uint8Array[], highWaterBytes = 1 << 20): Promise<void> {
    for (let i = 0; i < frames.length;) {
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error(`socket closed after ${i} of ${frames.length} frames`)
      while (i < frames.length - 1 && this.ws.bufferedAmount < highWaterBytes) this.ws.send(frames[i++]!)
      // The frame that crosses the mark is sent with a callback: it fires once the kernel has taken it.
      const frame = frames[i++]!
      await new Promise<void>((resolve, reject) => this.ws.send(frame, (error) => error ? reject(error) : resolve()))
    }
  }

  close(): void {
    this.isClosing = true
    this.ws.close()
  }
}

/** The update carried by a y-websocket sync step 2 or update frame, or null for any other message. */
export function updateOf(frame: Uint8Array): Uint8Array | null {
  if (frame[0] !== 0 || (frame[1] !== 1 && frame[1] !== 2)) return null
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
}

/** Reads the first (client, clock) of a Yjs v1 update, or null when it has no structs (a delete only). */
export function firstId(update: Uint8Array): { client: number; clock: number } | null {
  const decoder = decoding.createDecoder(update)
  if (decoding.readVarUint(decoder) === 0) return null
  decoding.readVarUint(decoder) // struct count
  const client = decoding.readVarUint(decoder)
  const clock = decoding.readVarUint(decoder)
  return { client, clock }
}

/**
 * One client's WebSocket in one room: sending, closing with a reason, and
 * the bookkeeping the room needs about that client (the frames it sent
 * while the room was loading, how many of its document messages are stored).
 */
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { CLOSE_SLOW_CONSUMER, encodeStored } from '@ortak/protocol'
import { OPEN_ACCESS, type Access } from '../auth/access-token.js'
import type { GreetingCharge } from '../limits/address-limits.js'
import type { RateLimiter } from '../limits/rate-limiter.js'
import { countClose, traffic } from '../metrics.js'
import { OutgoingFrame } from './outgoing-frame.js'

const MAX_CORKED_FRAMES = 256

// The close reason travels in a control frame limited to 125 bytes, 2 of them the code.
export const MAX_REASON_BYTES = 123

let nextConnectionId = 1

const NO_FRAMES: readonly Uint8Array[] = []

export interface ConnectionOptions {
  /** The client asked (with `?ack=1`) to be told when its changes are stored. */
  wantsStoredAcks: boolean
  /** What the client's access token grants; everything when access control is off. */
  access?: Access
  /** Bytes waiting in the send buffer past which the client is closed as a slow consumer. */
  maxBufferedBytes?: number
  /** The connection's message budget, checked as frames arrive; the room refunds what costs nothing. */
  rateLimiter?: RateLimiter
  /** Where the answer to the client's first sync step 1 is charged: its address (see address-limits.ts). */
  greetingCharge?: GreetingCharge | undefined
}

export class Connection {
  readonly id = nextConnectionId++
  readonly access: Access
  readonly rateLimiter: RateLimiter | undefined
  private readonly greetingCharge: GreetingCharge | undefined
  private readonly maxBufferedBytes: number
  private readonly wantsStoredAcks: boolean
  private isSocketClosed = false
  private syncRequests = 0
  private hasSentSyncStep2 = false
  /** Frames received before the room finished loading, handled once it has; null while none (most connections join a loaded room). */
  private framesBeforeReady: Uint8Array[] | null = null

  private docMessagesReceived = 0
  private docMessagesStored = 0
  private writesInFlight = 0
  /** Document messages the room holds back until what they depend on arrives (see waiting-updates.ts); null while none. */
  private heldBack: Set<number> | null = null
  private isAckScheduled = false
  /** Frames sent in turn `turn` (see beforeWrite). */
  private framesThisTurn = 0
  private turn = -1
  /** The turn this connection's TCP socket was corked in, until the turn ends. */
  private corkedTurn = -1

  constructor(
    private readonly socket: WebSocket,
    // Copied into fields, so the options object does not live as long as the connection.
    options: ConnectionOptions,
    private readonly log?: Logger,
    /** The room's name, for log lines: given apart from the logger, as a child logger for each connection costs every idle client memory. */
    private readonly roomName?: string,
  ) {
    this.access = options.access ?? OPEN_ACCESS
    this.rateLimiter = options.rateLimiter
    this.greetingCharge = options.greetingCharge
    this.maxBufferedBytes = options.maxBufferedBytes ?? Number.POSITIVE_INFINITY
    this.wantsStoredAcks = options.wantsStoredAcks
  }

  /** Closed by the server, or its socket closed: nothing more is sent or handled. */
  get isClosed(): boolean {
    return this.isSocketClosed
  }

  /** Whether this is the connection of `socket`. */
  isOn(socket: WebSocket): boolean {
    return this.socket === socket
  }

  /** The socket closed from the client's side. */
  socketClosed(): void {
    this.isSocketClosed = true
  }

  /**
   * Counts a sync step 1 from this client; true for its first. The first is
   * its join; any later one asks the room to encode again what the client
   * lacks, up to the whole document, and is charged to its budget.
   */
  countSyncRequest(): boolean {
    return ++this.syncRequests === 1
  }

  /** The answer to the first sync step 1 is `bytes` long: free for this connection, charged to where it comes from. */
  greeted(bytes: number): void {
    this.greetingCharge?.chargeGreeting(bytes)
  }

  /**
   * Whether the client has answered the room's sync step 1 with what the
   * room lacks: from then on, an honest client sends nothing that depends
   * on changes the room never received.
   */
  get hasAnsweredSyncStep1(): boolean {
    return this.hasSentSyncStep2
  }

  /** The client sent a sync step 2 (the room's sync step 1 goes out before any frame is handled). */
  answeredSyncStep1(): void {
    this.hasSentSyncStep2 = true
  }

  /** Keeps a frame that arrived while the room was loading. */
  holdUntilReady(frame: Uint8Array): void {
    ;(this.framesBeforeReady ??= []).push(frame)
  }

  get hasHeldFrames(): boolean {
    return this.framesBeforeReady !== null && this.framesBeforeReady.length > 0
  }

  /** Removes and returns the first held frame for which `matches` holds, if any. */
  takeHeldFrame(matches: (frame: Uint8Array) => boolean): Uint8Array | undefined {
    const index = this.framesBeforeReady?.findIndex(matches) ?? -1
    return index === -1 ? undefined : this.framesBeforeReady!.splice(index, 1)[0]
  }

  /** Removes and returns every held frame, in the order they arrived. */
  takeHeldFrames(): readonly Uint8Array[] {
    const frames = this.framesBeforeReady
    this.framesBeforeReady = null
    return frames ?? NO_FRAMES
  }

  /** Sends a message; `onWritten`, if given, is called once it has been written to the socket, or will not be (closed). */
  send(message: Uint8Array, onWritten?: () => void): void {
    this.sendFrame(OutgoingFrame.of(message), onWritten)
  }

  /** Sends a message framed once for every socket it goes to (a broadcast); `onWritten` as for `send`. */
  sendFrame(frame: OutgoingFrame, onWritten?: () => void): void {
    if (this.isClosed || this.socket.readyState !== this.socket.OPEN) return onWritten?.()
    // Checked before sending, so a frame as large as the whole document still goes to a client that keeps up.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.closeAsSlowConsumer()
      return onWritten?.()
    }
    traffic.messagesOut++
    traffic.bytesOut += frame.message.byteLength
    const written = onWritten && (() => onWritten())
    // `ws` keeps its net.Socket private; without it the message goes through `ws`, framed for this socket alone.
    const tcp = (this.socket as unknown as { _socket?: Socket | null })._socket
    if (!tcp) return written ? this.socket.send(frame.message, written) : this.socket.send(frame.message)
    this.beforeWrite(tcp)
    if (frame.payload) {
      tcp.write(frame.head)
      tcp.write(frame.payload, written)
    } else {
      tcp.write(frame.head, written)
    }
  }

  /**
   * Writes the first frame of a turn at once and holds the rest in the TCP
   * socket, corked, until the turn ends, to go out with one system call. A
   * write batch's updates are broadcast together; without this each frame
   * costs its own write(2), which was the largest single cost of a busy
   * room. The first is not corked: most turns send a socket one frame (a
   * keystroke broadcast to a crowd), and corking it only adds a pass
   * through the stream's buffer; unless the turn is known to send several
   * (holdFirstFramesThisTurn). One microtask ends the turn for every
   * connection.
   */
  private beforeWrite(tcp: Socket): void {
    if (this.turn !== Connection.turn) {
      this.turn = Connection.turn
      this.framesThisTurn = 0
    }
    const frames = ++this.framesThisTurn
    Connection.openTurn()
    if (this.corkedTurn === Connection.turn) {
      if (frames % MAX_CORKED_FRAMES === 0) {
        // libuv writes at most 1,024 buffers (a frame is one or two) per system call and leaves the rest for
        // the next loop iteration, which a busy server reaches seconds later.
        tcp.uncork()
        tcp.cork()
      }
      return
    }
    if (frames === 1 && !Connection.isHoldingFirstFrames) return
    tcp.cork()
    this.corkedTurn = Connection.turn
    Connection.corkedThisTurn.push(tcp)
  }

  /**
   * Holds every socket's first frame of this turn too, corked with the rest:
   * for a turn known to send several frames (a write batch of several
   * updates), so that a socket sent more than one gets them in one system
   * call instead of two.
   */
  static holdFirstFramesThisTurn(): void {
    Connection.openTurn()
    Connection.isHoldingFirstFrames = true
  }

  private static openTurn(): void {
    if (Connection.isTurnOpen) return
    Connection.isTurnOpen = true
    queueMicrotask(Connection.endTurn)
  }

  /** Counts turns that sent something, so a connection can tell its first frame of a turn. */
  private static turn = 0
  private static isTurnOpen = false
  private static isHoldingFirstFrames = false
  /** The TCP sockets corked this turn, of every connection. */
  private static corkedThisTurn: Socket[] = []

  private static endTurn(this: void): void {
    Connection.turn++
    Connection.isTurnOpen = false
    Connection.isHoldingFirstFrames = false
    const corked = Connection.corkedThisTurn
    Connection.corkedThisTurn = []
    for (const tcp of corked) tcp.uncork()
  }

  private closeAsSlowConsumer(): void {
    const reason = `slow consumer: more than ${this.maxBufferedBytes} bytes waiting to be sent`
    this.log?.warn({ room: this.roomName, connection: this.id, code: CLOSE_SLOW_CONSUMER, reason, bufferedBytes: this.socket.bufferedAmount }, 'closing connection: slow consumer')
    this.closeWithReason(CLOSE_SLOW_CONSUMER, reason)
  }

  closeWithReason(code: number, reason: string): void {
    if (this.isSocketClosed) return
    this.isSocketClosed = true
    countClose(code)
    this.socket.close(code, truncateUtf8(reason, MAX_REASON_BYTES))
  }

  /**
   * Counts a document message (sync step 2 or update) from this client that
   * will be written; returns its index, which `stored(index)` confirms.
   */
  countWrite(): number {
    this.writesInFlight++
    return ++this.docMessagesReceived
  }

  /** Counts a document message that writes nothing: it is stored as soon as everything before it is. */
  countNoWrite(): void {
    const index = ++this.docMessagesReceived
    if (this.writesInFlight === 0) this.acknowledge(index)
  }

  /**
   * Document message `index` waits for changes the room lacks: it is
   * stored, if ever, after messages that came later, so no acknowledgement
   * may count past it until it is.
   */
  holdBack(index: number): void {
    ;(this.heldBack ??= new Set()).add(index)
  }

  /** The write of document message `index` committed (or, for one held back, it turned out to add nothing). */
  stored(index: number): void {
    this.writesInFlight--
    if (this.heldBack?.delete(index) && this.heldBack.size === 0) this.heldBack = null
    this.acknowledge(this.writesInFlight === 0 ? this.docMessagesReceived : index)
  }

  private acknowledge(upTo: number): void {
    const index = this.heldBack ? Math.min(upTo, Math.min(...this.heldBack) - 1) : upTo
    if (index <= this.docMessagesStored) return
    this.docMessagesStored = index
    if (!this.wantsStoredAcks || this.isAckScheduled) return
    // One acknowledgement per turn carries the latest count, however many writes committed.
    this.isAckScheduled = true
    queueMicrotask(() => {
      this.isAckScheduled = false
      this.send(encodeStored(this.docMessagesStored))
    })
  }
}

export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text)
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  // Step back over UTF-8 continuation bytes so no character is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString()
}

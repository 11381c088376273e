/**
 * The server's open room WebSockets, and where each one's events go. An
 * idle connection's memory is mostly what is kept per socket (`npm run
 * bench`, scenario connections; bench/tools/heap-per-connection.ts), so
 * what this keeps per socket is small on purpose:
 *
 * - Three listeners (message, close, error) shared by every socket, which
 *   find the socket's handlers in one table, instead of closures made for
 *   each socket.
 * - The table is also the server's list of its open sockets, read by the
 *   heartbeat and the shutdown, so `ws` need not keep one of its own with
 *   a `close` listener on every socket (`clientTracking: false`).
 * - A socket refused after the upgrade has no handlers, and is listed
 *   apart until it has closed, so the heartbeat can end a close that never
 *   completes.
 *
 * No listener is ever removed from a socket here: an event left with no
 * listener is deleted from the socket's listener table, which turns that
 * object into a dictionary several times its size.
 */
import type { WebSocket } from 'ws'

/** What a socket's events are handed to; called with the socket's own frames, and `close` once. */
export interface SocketHandlers {
  message(frame: Uint8Array | string): void
  close(): void
  error(error: Error): void
}

type Listener = (...args: unknown[]) => void

export class SocketTable {
  /** The handlers of every socket attached and not closed yet. */
  private readonly handlers = new Map<WebSocket, SocketHandlers>()
  /** Sockets refused after the upgrade, until they have closed. */
  private readonly refused = new Set<WebSocket>()
  private readonly onMessage: Listener
  private readonly onClose: Listener
  private readonly onError: Listener
  private readonly onRefusedClose: Listener

  constructor() {
    const { handlers, refused } = this
    // `ws` calls a listener with the socket as `this`.
    this.onMessage = function (this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
      handlers.get(this)?.message(frameOf(data, isBinary))
    } as Listener
    // The entry goes before the handlers hear of it, so `close` reaches them once.
    this.onClose = function (this: WebSocket) {
      const closed = handlers.get(this)
      handlers.delete(this)
      closed?.close()
    } as Listener
    this.onError = function (this: WebSocket, error: Error) {
      handlers.get(this)?.error(error)
    } as Listener
    this.onRefusedClose = function (this: WebSocket) {
      refused.delete(this)
    } as Listener
  }

  /** Every open socket: those attached and those refused and closing. */
  *sockets(): IterableIterator<WebSocket> {
    yield* this.handlers.keys()
    yield* this.refused
  }

  /** From now on `handlers` receive the events of `socket`, freshly upgraded, until it closes. */
  attach(socket: WebSocket, handlers: SocketHandlers): void {
    this.handlers.set(socket, handlers)
    socket.on('message', this.onMessage)
    socket.on('close', this.onClose)
    socket.on('error', this.onError)
  }

  /** A socket refused after the upgrade: listed until it has closed; what it sends meanwhile is dropped, its errors too. */
  listRefused(socket: WebSocket): void {
    this.refused.add(socket)
    socket.on('close', this.onRefusedClose)
    socket.on('error', ignoreError)
  }
}

const ignoreError = () => {}

/** A frame as the room takes it: text as a string, binary in memory of its own. */
function frameOf(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Uint8Array | string {
  const joined = Array.isArray(data) ? Buffer.concat(data) : data
  if (!isBinary) return joined instanceof ArrayBuffer ? Buffer.from(joined).toString('utf8') : joined.toString('utf8')
  return joined instanceof ArrayBuffer ? new Uint8Array(joined) : ownCopy(joined)
}

/**
 * A copy of a received frame in memory of its own: `ws` hands out views into
 * the socket's 64 KiB read buffer (and Buffer.from would use the shared 8 KiB
 * pool), which anything the room keeps, a binary item in the document, would
 * hold on to. A Buffer rather than a plain Uint8Array, because `ws` wraps
 * anything else in a new Buffer for every client it is broadcast to.
 */
function ownCopy(data: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(data.byteLength)
  data.copy(copy)
  return copy
}

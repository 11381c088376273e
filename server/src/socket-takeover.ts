/**
 * Reading a room's WebSocket straight from `ws` instead of through Hono's
 * node-server helper. The helper copies every binary frame into a new
 * ArrayBuffer, wraps it in a MessageEvent, and its listeners keep the whole
 * upgrade request (Hono context, Request, IncomingMessage, headers) alive
 * as long as the socket lives: a cost on every frame, and a large share of
 * an idle connection's memory (`npm run bench`, scenarios fanout and
 * connections).
 *
 * The helper calls onOpen and then, in the same turn, replays the frames
 * that arrived before onOpen through onMessage and adds its own message,
 * close and error listeners. At the end of that turn the listeners it
 * added are swapped for direct ones, so no frame is lost or seen twice.
 * Should a later version of the helper add its listeners differently, the
 * swap is skipped and Hono's path keeps working.
 *
 * What an idle connection costs here is kept small on purpose. The direct
 * listeners are three functions shared by every socket, which find the
 * socket's handlers in one table, instead of closures made for each. And
 * the socket's listener table is built anew for the swap: the helper has
 * already removed a listener of its own (the one buffering early frames),
 * and an event left with no listener is deleted from the table, which
 * turns that object into a dictionary several times its size; a list of
 * listeners that once grew past two also keeps its larger backing store.
 * The table here is also the server's list of its open sockets (for the
 * heartbeat and the shutdown), so `ws` need not keep one of its own with a
 * `close` listener on every socket (`clientTracking: false`).
 */
import type { WebSocket } from 'ws'

export interface SocketHandlers {
  message(frame: Uint8Array | string): void
  close(): void
  error(error: Error): void
}

const EVENTS = ['message', 'close', 'error'] as const

type Listener = (...args: unknown[]) => void

export class SocketTakeover {
  /** The handlers of every socket taken over and not closed yet. */
  private readonly handlers = new Map<WebSocket, SocketHandlers>()
  /** Open sockets not taken over (refused after the upgrade, or set up by Hono as this does not know), until they close. */
  private readonly untaken = new Set<WebSocket>()
  private readonly listeners: Record<(typeof EVENTS)[number], Listener>

  constructor() {
    const handlers = this.handlers
    // `ws` calls a listener with the socket as `this`.
    const onMessage = function (this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
      handlers.get(this)?.message(frameOf(data, isBinary))
    }
    const onClose = function (this: WebSocket) {
      const closed = handlers.get(this)
      handlers.delete(this)
      closed?.close()
    }
    const onError = function (this: WebSocket, error: Error) {
      handlers.get(this)?.error(error)
    }
    this.listeners = { message: onMessage as Listener, close: onClose as Listener, error: onError as Listener }
  }

  /** Every open socket: those taken over and the others. */
  *sockets(): IterableIterator<WebSocket> {
    yield* this.handlers.keys()
    yield* this.untaken
  }

  /** A socket refused after the upgrade: listed until it has closed, so the heartbeat can end a close that never completes. */
  refusing(socket: WebSocket): void {
    this.listUntilClosed(socket)
  }

  /** Call from onOpen: from the end of this turn on, `handlers` receive the socket's events instead of Hono's listeners. */
  take(socket: WebSocket, handlers: SocketHandlers): void {
    const before = new Map(EVENTS.map((event) => [event, new Set(socket.listeners(event))]))
    queueMicrotask(() => {
      // Closed already: Hono's listeners have told the handlers, and no close event will come to remove the entry.
      if (socket.readyState === socket.CLOSED) return
      const added = new Map(EVENTS.map((event) => [event, socket.listeners(event).filter((l) => !before.get(event)!.has(l))]))
      // Hono's listeners keep working; the socket is still listed for the heartbeat and the shutdown.
      if (EVENTS.some((event) => added.get(event)!.length !== 1)) return this.listUntilClosed(socket)
      const replaced = new Set(EVENTS.map((event) => added.get(event)![0]))
      // rawListeners keeps `once` wrappers as they are, so those still fire once.
      const kept = socket.eventNames().map((event) => [event, socket.rawListeners(event).filter((l) => !replaced.has(l))] as const)
      socket.removeAllListeners()
      for (const [event, listeners] of kept) for (const listener of listeners) socket.on(event, listener as Listener)
      for (const event of EVENTS) socket.on(event, this.listeners[event])
      this.handlers.set(socket, handlers)
    })
  }

  private listUntilClosed(socket: WebSocket): void {
    this.untaken.add(socket)
    socket.once('close', () => this.untaken.delete(socket))
  }
}

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

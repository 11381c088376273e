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
 */
import type { WebSocket } from 'ws'

export interface SocketHandlers {
  message(frame: Uint8Array | string): void
  close(): void
  error(error: Error): void
}

const EVENTS = ['message', 'close', 'error'] as const

/** Call from onOpen: from the end of this turn on, `handlers` receive the socket's events instead of Hono's listeners. */
export function takeOverSocket(socket: WebSocket, handlers: SocketHandlers): void {
  const before = new Map(EVENTS.map((event) => [event, new Set(socket.listeners(event))]))
  queueMicrotask(() => {
    const added = new Map(EVENTS.map((event) => [event, socket.listeners(event).filter((l) => !before.get(event)!.has(l))]))
    if (EVENTS.some((event) => added.get(event)!.length !== 1)) return
    for (const event of EVENTS) socket.off(event, added.get(event)![0] as (...args: unknown[]) => void)
    listenDirectly(socket, handlers)
  })
}

// Its own function, so the listeners' closures hold only the socket and the handlers, not Hono's listeners.
function listenDirectly(socket: WebSocket, handlers: SocketHandlers): void {
  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const joined = Array.isArray(data) ? Buffer.concat(data) : data
    if (!isBinary) return handlers.message(joined instanceof ArrayBuffer ? Buffer.from(joined).toString('utf8') : joined.toString('utf8'))
    handlers.message(joined instanceof ArrayBuffer ? new Uint8Array(joined) : ownCopy(joined))
  })
  socket.on('close', () => handlers.close())
  socket.on('error', (error) => handlers.error(error))
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

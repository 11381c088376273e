/**
 * Finds dead connections. A client whose machine slept or whose network
 * vanished sends no close frame; its socket would linger, and its cursor
 * with it, until TCP gave up minutes later. Every interval each socket is
 * pinged; one that has not answered the previous ping by the next beat is
 * terminated, which closes it in its room and removes its awareness for
 * everyone: at most two intervals after it last answered.
 *
 * A ping waits in the send buffer behind what was sent before it, so a
 * client slowly downloading a large document may answer late. A socket
 * whose send buffer shrank since the ping is reading, so it is spared;
 * the slow-consumer limit deals with one that falls too far behind. A
 * socket the server closed whose client never completes the closing
 * handshake is terminated at the second beat too, not after `ws`'s own
 * closing timeout.
 */
import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import type { WebSocket, WebSocketServer } from 'ws'

/** What the heartbeat knows of one open socket. */
interface WatchedSocket {
  /** For the log line: which room the socket was opened for. */
  path: string
  /** The send buffer size when the unanswered ping went out; null once answered. */
  bufferedAtPing: number | null
  /** The socket was already closing at the previous beat. */
  wasClosing: boolean
}

export class Heartbeat {
  /**
   * Every open socket, removed when it closes. A Map rather than a WeakMap:
   * V8 shrinks a Map's table as entries are deleted, while a WeakMap kept
   * the table sized for the most sockets it ever held. The connections
   * scenario of `npm run bench` (`--only connections`) measures what stays
   * once a crowd has left.
   */
  private readonly sockets = new Map<WebSocket, WatchedSocket>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly wss: WebSocketServer,
    readonly intervalMs: number,
    private readonly log: Logger,
  ) {
    wss.on('connection', this.track)
    this.timer = setInterval(() => this.beat(), intervalMs)
    this.timer.unref()
  }

  private readonly track = (socket: WebSocket, request: IncomingMessage) => {
    // The path only: the query string may hold an access token.
    const watched: WatchedSocket = { path: (request.url ?? '').split('?')[0]!, bufferedAtPing: null, wasClosing: false }
    this.sockets.set(socket, watched)
    socket.on('pong', () => {
      watched.bufferedAtPing = null
    })
    socket.once('close', () => this.sockets.delete(socket))
  }

  private beat(): void {
    for (const [socket, watched] of this.sockets) {
      if (socket.readyState === socket.CLOSING) {
        if (watched.wasClosing) socket.terminate()
        else watched.wasClosing = true
        continue
      }
      if (socket.readyState !== socket.OPEN) continue
      if (watched.bufferedAtPing !== null && socket.bufferedAmount >= watched.bufferedAtPing) {
        this.log.warn({ path: watched.path, intervalMs: this.intervalMs }, 'terminating connection: no answer to ping')
        socket.terminate()
        continue
      }
      watched.bufferedAtPing = socket.bufferedAmount
      socket.ping()
    }
  }

  destroy(): void {
    clearInterval(this.timer)
    this.wss.off('connection', this.track)
  }
}

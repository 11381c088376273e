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
 * handshake is terminated at the second beat too, not after `ws`'s 30 s.
 */
import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import type { WebSocket, WebSocketServer } from 'ws'

export class Heartbeat {
  /** Sockets pinged and not yet answered, with their send buffer size when pinged. */
  private readonly unanswered = new WeakMap<WebSocket, number>()
  /** Sockets already closing at the previous beat. */
  private readonly closingAtLastBeat = new WeakSet<WebSocket>()
  /** For the log line: which room a socket was opened for. */
  private readonly paths = new WeakMap<WebSocket, string>()
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
    this.paths.set(socket, (request.url ?? '').split('?')[0]!)
    socket.on('pong', () => this.unanswered.delete(socket))
  }

  private beat(): void {
    for (const socket of this.wss.clients) {
      if (socket.readyState === socket.CLOSING) {
        if (this.closingAtLastBeat.has(socket)) socket.terminate()
        else this.closingAtLastBeat.add(socket)
        continue
      }
      if (socket.readyState !== socket.OPEN) continue
      const bufferedAtPing = this.unanswered.get(socket)
      if (bufferedAtPing !== undefined && socket.bufferedAmount >= bufferedAtPing) {
        this.log.warn({ path: this.paths.get(socket), intervalMs: this.intervalMs }, 'terminating connection: no answer to ping')
        socket.terminate()
        continue
      }
      this.unanswered.set(socket, socket.bufferedAmount)
      socket.ping()
    }
  }

  destroy(): void {
    clearInterval(this.timer)
    this.wss.off('connection', this.track)
  }
}

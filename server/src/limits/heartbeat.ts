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
import type { Logger } from 'pino'
import type { WebSocket, WebSocketServer } from 'ws'

export class Heartbeat {
  /**
   * Sockets pinged at the last beat that have not answered yet, with the
   * size of their send buffer then. An answered socket leaves the map, so
   * an idle connection costs the heartbeat nothing between beats but its
   * one `pong` listener, shared by every socket. The open sockets
   * themselves are listed by their owner (`sockets`). A socket that closes while its
   * ping is unanswered stays here until the next beat (the listeners a
   * `close` handler per socket needs cost every idle connection more).
   */
  private readonly unanswered = new Map<WebSocket, number>()
  /** Sockets that were already closing at the last beat. */
  private closingAtLastBeat = new Set<WebSocket>()
  private readonly timer: NodeJS.Timeout
  private readonly answered: (this: WebSocket) => void
  private readonly track = (socket: WebSocket) => socket.on('pong', this.answered)

  constructor(
    /** Where new sockets are announced. */
    private readonly wss: WebSocketServer,
    /** Every open socket, read at each beat. */
    private readonly sockets: () => Iterable<WebSocket>,
    readonly intervalMs: number,
    private readonly log: Logger,
    /** The room a socket belongs to, for the log line of one terminated (looked up then, not kept per socket). */
    private readonly roomOf: (socket: WebSocket) => string | undefined = () => undefined,
  ) {
    const unanswered = this.unanswered
    this.answered = function (this: WebSocket) {
      unanswered.delete(this)
    }
    wss.on('connection', this.track)
    this.timer = setInterval(() => this.beat(), intervalMs)
    this.timer.unref()
  }

  private beat(): void {
    const closing = new Set<WebSocket>()
    for (const [socket] of this.unanswered) {
      if (socket.readyState !== socket.OPEN) this.unanswered.delete(socket)
    }
    for (const socket of this.sockets()) {
      if (socket.readyState === socket.CLOSING) {
        if (this.closingAtLastBeat.has(socket)) socket.terminate()
        else closing.add(socket)
        continue
      }
      if (socket.readyState !== socket.OPEN) continue
      const bufferedAtPing = this.unanswered.get(socket)
      if (bufferedAtPing !== undefined && socket.bufferedAmount >= bufferedAtPing) {
        this.log.warn({ room: this.roomOf(socket), intervalMs: this.intervalMs }, 'terminating connection: no answer to ping')
        this.unanswered.delete(socket)
        socket.terminate()
        continue
      }
      this.unanswered.set(socket, socket.bufferedAmount)
      socket.ping()
    }
    this.closingAtLastBeat = closing
  }

  destroy(): void {
    clearInterval(this.timer)
    this.wss.off('connection', this.track)
    this.unanswered.clear()
    this.closingAtLastBeat.clear()
  }
}

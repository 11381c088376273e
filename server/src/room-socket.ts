/**
 * One accepted WebSocket of a room, between `ws` and its room: a token or
 * room refusal closes it with a code; otherwise its frames go to
 * `Room.receive` past the connection's rate budget, and its close leaves
 * the room, giving what is left of its budget back to its address.
 *
 * One small `RoomSocket` object per connection and no closures of its own:
 * the listeners that call it are shared by every socket (socket-table.ts),
 * and nothing of the upgrade request stays alive as long as the socket
 * does, since an idle connection's memory is mostly what is kept per
 * socket (`npm run bench`, scenario connections).
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { CLOSE_MESSAGE_TOO_BIG, type Refusal } from '@ortak/protocol'
import type { Access } from './auth/access-token.js'
import type { AddressLimits } from './limits/address-limits.js'
import { RateLimiter, type RateLimits } from './limits/rate-limiter.js'
import { countClose, traffic } from './metrics.js'
import { MAX_REASON_BYTES, truncateUtf8, type Connection } from './rooms/connection.js'
import type { RoomRegistry } from './rooms/registry.js'
import type { Room } from './rooms/room.js'
import type { SocketHandlers, SocketTable } from './socket-table.js'

/** What every room socket of a server shares. */
export interface RoomSocketContext {
  registry: RoomRegistry
  log: Logger
  /** The open sockets, where each one's events are sent on. */
  sockets: SocketTable
  maxPayloadBytes: number
  /** Per-connection rate and send-buffer limits; none when absent. */
  connectionLimits?: RateLimits & { maxBufferedBytes: number }
  /** Limits per client address that outlast a connection; none when absent. */
  addressLimits?: AddressLimits
}

export interface AdmittedSocket {
  roomName: string
  /** What the token grants, or why it grants nothing. */
  granted: Access | Refusal
  /** The client asked (`?ack=1`) to be told when its changes are stored. */
  wantsStoredAcks: boolean
  address: string
}

/** Puts a freshly upgraded socket into its room, or closes it with the refusal that keeps it out. */
export function openRoomSocket(socket: WebSocket, admitted: AdmittedSocket, context: RoomSocketContext): void {
  const { registry, sockets, connectionLimits, addressLimits } = context
  const { roomName, granted, wantsStoredAcks, address } = admitted
  // Refused after the upgrade, not with an HTTP status: only a close code reaches a browser's
  // WebSocket, and 4400-4499 stop the provider from retrying. Nothing has been sent yet.
  if ('code' in granted) return closeRefused(socket, roomName, granted, context)
  const roomRefusal = registry.refusalFor(roomName)
  if (roomRefusal) return closeRefused(socket, roomName, roomRefusal, context)
  const rate = addressLimits ? addressLimits.opened(address) : connectionLimits ? new RateLimiter(connectionLimits) : undefined
  const { room, connection } = registry.connect(roomName, socket, {
    wantsStoredAcks, access: granted, maxBufferedBytes: connectionLimits?.maxBufferedBytes, rateLimiter: rate,
    greetingCharge: addressLimits?.greetingChargeFor(address),
  })
  sockets.attach(socket, new RoomSocket(context, room, connection, address, rate))
}

function closeRefused(socket: WebSocket, roomName: string, refusal: Refusal, { log, sockets }: RoomSocketContext): void {
  log.warn({ room: roomName, code: refusal.code, reason: refusal.reason }, 'refused connection')
  countClose(refusal.code)
  sockets.listRefused(socket)
  socket.close(refusal.code, truncateUtf8(refusal.reason, MAX_REASON_BYTES))
}

/** The handlers of one socket in its room; the socket table calls `close` once. */
class RoomSocket implements SocketHandlers {
  constructor(
    private readonly context: RoomSocketContext,
    private readonly room: Room,
    private readonly connection: Connection,
    /** Where the connection came from, for its address's limits. */
    private readonly address: string,
    private readonly rate: RateLimiter | undefined,
  ) {}

  message(frame: Uint8Array | string): void {
    const { connection, rate } = this
    traffic.messagesIn++
    traffic.bytesIn += frame.length
    if (rate && !rate.admit(frame.length)) {
      if (connection.isClosed) return
      const { code, reason } = rate.refusal
      this.context.log.warn({ room: this.room.name, connection: connection.id, code, reason }, 'closing connection: rate limit')
      return connection.closeWithReason(code, reason)
    }
    this.room.receive(connection, frame)
  }

  close(): void {
    this.context.registry.disconnect(this.room, this.connection)
    // What the connection left of its budget goes back to its address.
    if (this.rate) this.context.addressLimits?.closed(this.address, this.rate)
  }

  error(error: Error & { code?: string }): void {
    const { log, maxPayloadBytes } = this.context
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      log.warn({ room: this.room.name, connection: this.connection.id, code: CLOSE_MESSAGE_TOO_BIG, reason: `frame exceeds ${maxPayloadBytes} bytes` }, 'closing connection: bad input')
      countClose(CLOSE_MESSAGE_TOO_BIG)
    } else {
      log.warn({ room: this.room.name, connection: this.connection.id, err: error }, 'WebSocket error')
    }
  }
}

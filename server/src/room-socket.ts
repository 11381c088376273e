/**
 * One client's WebSocket after the upgrade, between `ws` and its room:
 * each frame checked against the connection's rate and handed to the room,
 * the connection leaving its room (once, giving what is left of its budget
 * back to its address), and the log line of a socket error. One small
 * object per connection and no closures of its own: the listeners that
 * call it are shared by every socket (socket-takeover.ts), since an idle
 * connection's memory is mostly what is kept per socket (`npm run bench`,
 * scenario connections).
 */
import type { Logger } from 'pino'
import { CLOSE_MESSAGE_TOO_BIG } from '@ortak/protocol'
import type { AddressLimits } from './limits/address-limits.js'
import type { RateLimiter } from './limits/rate-limiter.js'
import { countClose, traffic } from './metrics.js'
import type { Connection } from './rooms/connection.js'
import type { RoomRegistry } from './rooms/registry.js'
import type { Room } from './rooms/room.js'
import type { SocketHandlers } from './socket-takeover.js'

/** What every room socket of a server shares. */
export interface RoomSocketServices {
  registry: RoomRegistry
  log: Logger
  addressLimits?: AddressLimits | undefined
  maxPayloadBytes: number
}

export class RoomSocket implements SocketHandlers {
  private hasLeft = false

  constructor(
    private readonly services: RoomSocketServices,
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
      this.services.log.warn({ room: this.room.name, connection: connection.id, code, reason }, 'closing connection: rate limit')
      return connection.closeWithReason(code, reason)
    }
    this.room.receive(connection, frame)
  }

  close(): void {
    if (this.hasLeft) return
    this.hasLeft = true
    this.services.registry.disconnect(this.room, this.connection)
    // What the connection left of its budget goes back to its address.
    if (this.rate) this.services.addressLimits?.closed(this.address, this.rate)
  }

  error(error: (Error & { code?: string }) | undefined): void {
    const { log, maxPayloadBytes } = this.services
    if (error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      log.warn({ room: this.room.name, connection: this.connection.id, code: CLOSE_MESSAGE_TOO_BIG, reason: `frame exceeds ${maxPayloadBytes} bytes` }, 'closing connection: bad input')
      countClose(CLOSE_MESSAGE_TOO_BIG)
    } else {
      log.warn({ room: this.room.name, connection: this.connection.id, err: error }, 'WebSocket error')
    }
  }
}

/**
 * One accepted WebSocket of a room, from `ws` to the room and back: its
 * frames go to `Room.receive` past the connection's rate budget, its close
 * leaves the room, and a token or room refusal closes it with a code.
 *
 * The socket is read straight from `ws`. Each binary frame is copied into
 * memory of its own (see `ownCopy`), and the listeners' closures hold the
 * socket, the room and the connection only: nothing of the upgrade request
 * stays alive as long as the socket does (`npm run bench`, scenarios
 * fanout and connections, measure what an idle connection holds).
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { CLOSE_MESSAGE_TOO_BIG, type Refusal } from '@ortak/protocol'
import type { Access } from './auth/access-token.js'
import type { AddressLimits } from './limits/address-limits.js'
import { RateLimiter, type RateLimits } from './limits/rate-limiter.js'
import { countClose, traffic } from './metrics.js'
import { MAX_REASON_BYTES, truncateUtf8 } from './rooms/connection.js'
import type { RoomRegistry } from './rooms/registry.js'

export interface RoomSocketContext {
  registry: RoomRegistry
  log: Logger
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
  const { registry, log, maxPayloadBytes, connectionLimits, addressLimits } = context
  const { roomName, granted, wantsStoredAcks, address } = admitted
  // Refused after the upgrade, not with an HTTP status: only a close code reaches a browser's
  // WebSocket, and 4400-4499 stop the provider from retrying. Nothing has been sent yet.
  if ('code' in granted) return closeRefused(socket, roomName, granted, log)
  const roomRefusal = registry.refusalFor(roomName)
  if (roomRefusal) return closeRefused(socket, roomName, roomRefusal, log)
  const rate = addressLimits ? addressLimits.opened(address) : connectionLimits ? new RateLimiter(connectionLimits) : undefined
  const { room, connection } = registry.connect(roomName, socket, {
    wantsStoredAcks, access: granted, maxBufferedBytes: connectionLimits?.maxBufferedBytes, rateLimiter: rate,
    ...(addressLimits ? { chargeGreeting: (bytes: number) => addressLimits.chargeGreeting(address, bytes) } : {}),
  })

  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const joined = Array.isArray(data) ? Buffer.concat(data) : data
    const frame = !isBinary
      ? (joined instanceof ArrayBuffer ? Buffer.from(joined).toString('utf8') : joined.toString('utf8'))
      : joined instanceof ArrayBuffer ? new Uint8Array(joined) : ownCopy(joined)
    traffic.messagesIn++
    traffic.bytesIn += frame.length
    if (rate && !rate.admit(frame.length)) {
      if (connection.isClosed) return
      const { code, reason } = rate.refusal
      log.warn({ room: roomName, connection: connection.id, code, reason }, 'closing connection: rate limit')
      return connection.closeWithReason(code, reason)
    }
    room.receive(connection, frame)
  })
  socket.once('close', () => {
    registry.disconnect(room, connection)
    // What the connection left of its budget goes back to its address.
    if (addressLimits && rate) addressLimits.closed(address, rate)
  })
  socket.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      log.warn({ room: roomName, connection: connection.id, code: CLOSE_MESSAGE_TOO_BIG, reason: `frame exceeds ${maxPayloadBytes} bytes` }, 'closing connection: bad input')
      countClose(CLOSE_MESSAGE_TOO_BIG)
    } else {
      log.warn({ room: roomName, connection: connection.id, err: error }, 'WebSocket error')
    }
  })
}

function closeRefused(socket: WebSocket, roomName: string, refusal: Refusal, log: Logger): void {
  log.warn({ room: roomName, code: refusal.code, reason: refusal.reason }, 'refused connection')
  countClose(refusal.code)
  // A refused socket was never in a room; what it sends while closing is dropped.
  socket.on('error', () => {})
  socket.close(refusal.code, truncateUtf8(refusal.reason, MAX_REASON_BYTES))
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

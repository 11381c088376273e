/**
 * The WebSocket upgrade to `/ws/<room>`, answered from node:http's
 * `upgrade` event: the room name, the browser origin, the access token and
 * the client address's limits are checked in that order, and a refusal is
 * an HTTP status on the socket, before any WebSocket exists.
 *
 * Not through Hono: its Node adapter builds a fetch `Request`, `Headers`
 * and a `Response` for every upgrade, and the first of those makes Node
 * load its bundled fetch implementation (undici), a cost every start paid
 * before its first client could connect again (`npm run bench -- --only
 * restart`). The HTTP routes stay in Hono (`app.ts`), loaded with the first
 * HTTP request.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { WebSocketServer } from 'ws'
import { CLOSE_INTERNAL_ERROR } from '@ortak/protocol'
import type { AccessControl } from './auth/access-token.js'
import type { OriginCheck } from './auth/origin.js'
import type { AddressLimits } from './limits/address-limits.js'
import { countRefusal } from './metrics.js'
import { decodeRoomSegment } from './room-name.js'
import { openRoomSocket, type AdmittedSocket, type RoomSocketContext } from './room-socket.js'

export interface RoomUpgradeContext extends RoomSocketContext {
  wss: WebSocketServer
  log: Logger
  access: AccessControl
  isOriginAllowed: OriginCheck
  /** Behind a proxy, the client's address is the last entry of X-Forwarded-For. */
  trustProxy: boolean
  addressLimits?: AddressLimits
}

type UpgradeOutcome = AdmittedSocket | { status: number; message: string; headers?: Record<string, string> }

/** The `upgrade` listener of the HTTP server. */
export function createRoomUpgrade(context: RoomUpgradeContext): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { wss, log } = context
  return (request, socket, head) => {
    // Until ws owns the socket, a client resetting it must not become an unhandled error.
    const ignoreError = () => {}
    socket.on('error', ignoreError)
    admit(request, socket, context).then(
      (outcome) => {
        if (socket.destroyed) return
        if ('status' in outcome) return refuse(socket, outcome.status, outcome.message, outcome.headers)
        wss.handleUpgrade(request, socket, head, (ws) => {
          socket.off('error', ignoreError)
          try {
            // Heard by the heartbeat, which adds its `pong` listener (with `noServer`, `ws` emits no `connection` of its own).
            wss.emit('connection', ws, request)
            openRoomSocket(ws, outcome, context)
          } catch (error) {
            // A fault of the server's own, thrown inside this promise's handler: unhandled, it would end the process.
            log.error({ err: error, room: outcome.roomName }, 'WebSocket connection could not be opened')
            ws.close(CLOSE_INTERNAL_ERROR, 'internal error: the connection could not be opened')
          }
        })
      },
      (error: unknown) => {
        log.error({ err: error, path: pathOf(request) }, 'WebSocket upgrade failed')
        refuse(socket, 500, 'internal error')
      },
    )
  }
}

async function admit(request: IncomingMessage, socket: Duplex, context: RoomUpgradeContext): Promise<UpgradeOutcome> {
  const { log, access, isOriginAllowed, trustProxy, addressLimits } = context
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
    return { status: 400, message: `only WebSocket upgrades are accepted, not ${JSON.stringify(request.headers.upgrade?.slice(0, 40))}` }
  }
  // Parsing normalises `/ws/..` into `/`: an upgrade that ends up anywhere but /ws/<room> is refused.
  const url = new URL(request.url ?? '/', 'http://localhost')
  if (url.pathname === '/ws') {
    return { status: 400, message: 'room name is empty: connect to /ws/<room>' }
  }
  if (!url.pathname.startsWith('/ws/')) {
    log.warn({ path: url.pathname }, 'refused WebSocket upgrade: not a room path')
    countRefusal('not_a_room_path')
    return { status: 400, message: 'WebSocket upgrades are accepted at /ws/<room> only (a relative path like .. is not a room)' }
  }
  const decoded = decodeRoomSegment(url.pathname.slice('/ws/'.length))
  if ('problem' in decoded) {
    log.warn({ path: url.pathname, reason: decoded.problem }, 'refused WebSocket upgrade: invalid room name')
    countRefusal('invalid_room_name')
    return { status: 400, message: decoded.problem }
  }
  const roomName = decoded.name
  const origin = request.headers.origin
  if (!isOriginAllowed(origin)) {
    log.warn({ path: url.pathname, origin }, 'refused WebSocket upgrade: origin not allowed')
    countRefusal('origin_not_allowed')
    return { status: 403, message: `origin ${origin} is not allowed to connect` }
  }
  const granted = await access.check(url.searchParams.get('token') ?? undefined, roomName)
  // Last before the upgrade, so only an upgrade that would open a connection counts against its address.
  const address = clientAddress(request, socket, trustProxy)
  const refusal = addressLimits?.admit(address)
  if (addressLimits && refusal) {
    log.warn({ room: roomName, address, reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds }, 'refused WebSocket upgrade: address limit')
    countRefusal('address_rate_limited')
    await addressLimits.holdRefusal(address, refusal)
    return { status: 429, message: refusal.reason, headers: { 'Retry-After': String(refusal.retryAfterSeconds) } }
  }
  return { roomName, granted, wantsStoredAcks: url.searchParams.get('ack') === '1', address }
}

/**
 * The client's address: the peer of the TCP connection, or behind a proxy
 * (TRUST_PROXY) the last entry of X-Forwarded-For, the one the proxy added.
 */
function clientAddress(request: IncomingMessage, socket: Duplex, trustProxy: boolean): string {
  const header = request.headers['x-forwarded-for']
  const forwarded = trustProxy ? (Array.isArray(header) ? header.join(',') : header)?.split(',').pop()?.trim() : undefined
  return forwarded || ((socket as Duplex & { remoteAddress?: string }).remoteAddress ?? 'unknown')
}

// The path only: the query string may hold an access token.
const pathOf = (request: IncomingMessage) => (request.url ?? '').split('?')[0]

/** Answers the upgrade with an HTTP error and closes the socket; the body says why, for a developer's tools. */
function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return
  const body = `${message}\n`
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ]
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}

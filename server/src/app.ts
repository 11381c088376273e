/**
 * The Hono app: HTTP routes and the WebSocket upgrade. Everything about a
 * connection after the upgrade belongs to its room.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { upgradeWebSocket } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Refusal } from '@ortak/protocol'
import { AccessControl, type Access } from './auth/access-token.js'
import { checkOrigin } from './auth/origin.js'
import type { AddressLimits } from './limits/address-limits.js'
import { RateLimiter, type RateLimits } from './limits/rate-limiter.js'
import { checkDependencies, type Dependency } from './health.js'
import { countClose, countRefusal } from './metrics.js'
import { createPrometheusPage } from './prometheus-page.js'
import { decodeRoomSegment } from './room-name.js'
import { SocketTakeover } from './socket-takeover.js'
import { RoomSocket, type RoomSocketServices } from './room-socket.js'
import { MAX_REASON_BYTES, truncateUtf8 } from './rooms/connection.js'
import type { RoomRegistry } from './rooms/registry.js'
import type { Storage } from './storage/storage.js'
import type { VersionStore } from './storage/versions.js'

export interface AppContext {
  registry: RoomRegistry
  /** Where the HTTP document API reads stored rooms and deletes them. */
  storage: Storage
  /** The rooms' version history, for the API's version routes; none when absent. */
  versions?: VersionStore | null
  log: Logger
  editorDir: string
  maxPayloadBytes: number
  /** Largest file an upload to `/api/rooms/:room/files` may send. */
  maxUploadBytes: number
  /** Services checked by /healthz and /readyz (PostgreSQL and Redis when scaled out). */
  dependencies?: readonly Dependency[]
  /** Checks access tokens; everyone may read and write when absent or configured without keys. */
  access?: AccessControl
  /** Browser origins allowed to open a WebSocket; any when empty or absent. */
  allowedOrigins?: readonly string[]
  /** Per-connection rate and send-buffer limits; none when absent. */
  connectionLimits?: RateLimits & { maxBufferedBytes: number; trustProxy?: boolean }
  /** Limits per client address that outlast a connection (destroyed by the owner when the server stops); none when absent. */
  addressLimits?: AddressLimits
  /** Where every room socket's events go after the upgrade, and the list of open sockets; one of its own when absent. */
  takeover?: SocketTakeover
}

/**
 * The client's address: the peer of the TCP connection, or behind a proxy
 * (TRUST_PROXY) the last entry of X-Forwarded-For, the one the proxy added.
 */
function clientAddress(c: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').pop()?.trim() : undefined
  return forwarded || (getConnInfo(c).remote.address ?? 'unknown')
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ortak</title></head>
<body><h1>Ortak</h1><p>The server is running. The editor app is not built yet: run <code>npm run build</code>.</p>
<p>WebSocket endpoint: <code>/ws/&lt;room&gt;</code> (y-websocket compatible).</p></body></html>`

export function createApp({
  registry, storage, versions, log, editorDir, maxPayloadBytes, maxUploadBytes, dependencies = [], access = new AccessControl([]), allowedOrigins = [], connectionLimits,
  addressLimits, takeover = new SocketTakeover(),
}: AppContext) {
  const app = new Hono<{ Variables: { roomName: string; access: Access | Refusal; address: string } }>()
  const roomSocketServices: RoomSocketServices = { registry, log, addressLimits, maxPayloadBytes }

  // Liveness: always 200 while the process answers; a service that is down shows as "degraded".
  app.get('/healthz', async (c) => {
    const services = await checkDependencies(dependencies)
    const isHealthy = Object.values(services).every((s) => s.reachable)
    return c.json({ status: isHealthy ? 'ok' : 'degraded', ...registry.stats, services })
  })
  // Readiness: 503 while a service the server needs is unreachable, so a load balancer sends new clients elsewhere.
  app.get('/readyz', async (c) => {
    const services = await checkDependencies(dependencies)
    const problems = Object.entries(services).filter(([, s]) => !s.reachable).map(([name, s]) => `${name}: ${s.problem}`)
    return c.json({ ready: problems.length === 0, problems, services }, problems.length === 0 ? 200 : 503)
  })

  const metricsPage = createPrometheusPage(() => registry.stats)
  app.get('/metrics', async (c) => {
    const page = await metricsPage()
    return c.body(page.body, 200, { 'Content-Type': page.contentType })
  })

  // The document API (ProseMirror, markdown and HTML conversions) is read with its first request:
  // a server that only syncs rooms never loads it, and starts sooner.
  let documentApi: Promise<Hono> | undefined
  const loadDocumentApi = async () => {
    const [{ createRoomsApi }, { RoomDocuments }, { RoomFiles }, { RoomVersions }] = await Promise.all([
      import('./api/rooms-api.js'), import('./api/room-documents.js'), import('./api/room-files.js'), import('./api/room-versions.js'),
    ])
    const documents = new RoomDocuments(registry, storage)
    const files = new RoomFiles(storage.files)
    return new Hono().route('/api', createRoomsApi({
      documents, files, access, log, maxBodyBytes: maxPayloadBytes, maxUploadBytes,
      ...(versions ? { versions: new RoomVersions(registry, storage, versions) } : {}),
    }))
  }
  // An editor embedded in another site uploads pictures and reads the API with a bearer token, which a browser
  // sends across origins only when the server says so. Tokens are not cookies: no request carries credentials by
  // itself, so any origin may ask unless ALLOWED_ORIGINS names the ones that may.
  app.use('/api/*', cors({
    origin: allowedOrigins.length === 0 ? '*' : [...allowedOrigins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match'],
    exposeHeaders: ['Location', 'ETag', 'Retry-After'],
    maxAge: 600,
  }))
  app.all('/api/*', async (c) => (await (documentApi ??= loadDocumentApi())).fetch(c.req.raw, c.env))

  // URL normalisation turns `/ws/..` into `/`: an upgrade that ends up anywhere but /ws/<room> is refused.
  app.use('*', async (c, next) => {
    const isUpgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket'
    if (isUpgrade && !c.req.path.startsWith('/ws')) {
      log.warn({ path: c.req.path }, 'refused WebSocket upgrade: not a room path')
      countRefusal('not_a_room_path')
      return c.text('WebSocket upgrades are accepted at /ws/<room> only (a relative path like .. is not a room)', 400)
    }
    await next()
  })

  app.get('/ws', (c) => c.text('room name is empty: connect to /ws/<room>', 400))
  app.get(
    '/ws/*',
    async (c, next) => {
      const segment = new URL(c.req.url).pathname.slice('/ws/'.length)
      const decoded = decodeRoomSegment(segment)
      if ('problem' in decoded) {
        log.warn({ path: c.req.path, reason: decoded.problem }, 'refused WebSocket upgrade: invalid room name')
        countRefusal('invalid_room_name')
        return c.text(decoded.problem, 400)
      }
      c.set('roomName', decoded.name)
      await next()
    },
    checkOrigin(allowedOrigins, log),
    async (c, next) => {
      c.set('access', await access.check(c.req.query('token'), c.get('roomName')))
      await next()
    },
    // Last before the upgrade, so only an upgrade that would open a connection counts against its address.
    async (c, next) => {
      const address = clientAddress(c, connectionLimits?.trustProxy ?? false)
      c.set('address', address)
      const refusal = addressLimits?.admit(address)
      if (addressLimits && refusal) {
        log.warn({ room: c.get('roomName'), address, reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds }, 'refused WebSocket upgrade: address limit')
        countRefusal('address_rate_limited')
        await addressLimits.holdRefusal(address, refusal)
        return c.json({ error: refusal.reason }, 429, { 'Retry-After': String(refusal.retryAfterSeconds) })
      }
      await next()
    },
    upgradeWebSocket((c) => {
      const roomName = c.get('roomName')
      const granted = c.get('access')
      const wantsStoredAcks = c.req.query('ack') === '1'
      const address = c.get('address')
      // Set once the connection is in its room; a refused socket never has one, and what it sends while closing is dropped.
      let roomSocket: RoomSocket | undefined
      return {
        onOpen(_event, ws) {
          const socket = ws.raw as WebSocket
          // Refused after the upgrade, not with an HTTP status: only a close code reaches a browser's
          // WebSocket, and 4400-4499 stop the provider from retrying. Nothing has been sent yet.
          const refusal = 'code' in granted ? granted : registry.refusalFor(roomName)
          if (refusal) {
            log.warn({ room: roomName, code: refusal.code, reason: refusal.reason }, 'refused connection')
            countClose(refusal.code)
            takeover.refusing(socket)
            socket.close(refusal.code, truncateUtf8(refusal.reason, MAX_REASON_BYTES))
            return
          }
          let rate: RateLimiter | undefined
          if (addressLimits) rate = addressLimits.opened(address)
          else if (connectionLimits) rate = new RateLimiter(connectionLimits)
          const { room, connection } = registry.connect(roomName, socket, {
            wantsStoredAcks, access: granted, maxBufferedBytes: connectionLimits?.maxBufferedBytes, rateLimiter: rate,
            greetingCharge: addressLimits?.greetingChargeFor(address),
          })
          roomSocket = new RoomSocket(roomSocketServices, room, connection, address, rate)
          takeover.take(socket, roomSocket)
        },
        // Only the frames Hono buffered before onOpen come this way; later ones go straight to the room socket.
        onMessage(event) {
          const data = event.data
          roomSocket?.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer))
        },
        onClose: () => roomSocket?.close(),
        onError: (event) => {
          const error = (event as ErrorEvent).error as Error | undefined
          if (roomSocket) roomSocket.error(error)
          else log.warn({ room: roomName, err: error }, 'WebSocket error')
        },
      }
    }),
  )

  if (fs.existsSync(path.join(editorDir, 'index.html'))) {
    app.use('/*', serveStatic({ root: path.relative(process.cwd(), editorDir) || '.' }))
  } else {
    app.get('/', (c) => c.html(PLACEHOLDER_PAGE))
  }

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'request failed')
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}

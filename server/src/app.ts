/**
 * The Hono app: the HTTP routes. WebSocket upgrades are answered before
 * Hono (room-upgrade.ts), and this app is built with the first HTTP
 * request (server.ts), so a server that only syncs rooms never loads Hono.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Logger } from 'pino'
import { AccessControl } from './auth/access-token.js'
import { checkDependencies, type Dependency } from './health.js'
import { createPrometheusPage } from './prometheus-page.js'
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
  /** Most bytes of files one room may hold; unlimited when absent. */
  maxRoomFileBytes?: number
  /** Services checked by /healthz and /readyz (PostgreSQL and Redis when scaled out). */
  dependencies?: readonly Dependency[]
  /** Checks access tokens; everyone may read and write when absent or configured without keys. */
  access?: AccessControl
  /** Browser origins the API answers across origins; any when empty or absent. */
  allowedOrigins?: readonly string[]
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ortak</title></head>
<body><h1>Ortak</h1><p>The server is running. The editor app is not built yet: run <code>npm run build</code>.</p>
<p>WebSocket endpoint: <code>/ws/&lt;room&gt;</code> (y-websocket compatible).</p></body></html>`

export function createApp({
  registry, storage, versions, log, editorDir, maxPayloadBytes, maxUploadBytes, maxRoomFileBytes, dependencies = [], access = new AccessControl([]), allowedOrigins = [],
}: AppContext) {
  const app = new Hono()

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
    const files = new RoomFiles(storage.files, maxRoomFileBytes)
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

  // Upgrades never come here (room-upgrade.ts answers them); a plain request for a room is told what to use.
  app.get('/ws/*', (c) => c.text('this is a room\'s WebSocket endpoint: connect with a WebSocket client (y-websocket)', 426, { Upgrade: 'websocket' }))

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

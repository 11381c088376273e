/**
 * The Hono app: HTTP routes and the WebSocket upgrade. Everything about a
 * connection after the upgrade belongs to its room.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Hono } from 'hono'
import { upgradeWebSocket } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { decodeRoomSegment } from './room-name.js'
import type { Connection } from './rooms/connection.js'
import type { Room } from './rooms/room.js'
import type { RoomRegistry } from './rooms/registry.js'

export interface AppContext {
  registry: RoomRegistry
  log: Logger
  editorDir: string
  maxPayloadBytes: number
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ortak</title></head>
<body><h1>Ortak</h1><p>The server is running. The editor app is not built yet: run <code>npm run build</code>.</p>
<p>WebSocket endpoint: <code>/ws/&lt;room&gt;</code> (y-websocket compatible).</p></body></html>`

export function createApp({ registry, log, editorDir, maxPayloadBytes }: AppContext) {
  const app = new Hono<{ Variables: { roomName: string } }>()

  app.get('/healthz', (c) => c.json({ status: 'ok', ...registry.stats }))

  // URL normalisation turns `/ws/..` into `/`: an upgrade that ends up anywhere but /ws/<room> is refused.
  app.use('*', async (c, next) => {
    const isUpgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket'
    if (isUpgrade && !c.req.path.startsWith('/ws')) {
      log.warn({ path: c.req.path }, 'refused WebSocket upgrade: not a room path')
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
        return c.text(decoded.problem, 400)
      }
      c.set('roomName', decoded.name)
      await next()
    },
    upgradeWebSocket((c) => {
      const roomName = c.get('roomName')
      const wantsStoredAcks = c.req.query('ack') === '1'
      let room: Room | undefined
      let connection: Connection | undefined
      return {
        onOpen(_event, ws) {
          ;({ room, connection } = registry.connect(roomName, ws.raw as WebSocket, { wantsStoredAcks }))
        },
        onMessage(event) {
          const data = event.data
          room!.receive(connection!, typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer))
        },
        onClose() {
          if (room && connection) registry.disconnect(room, connection)
        },
        onError(event) {
          const error = (event as ErrorEvent).error as (Error & { code?: string }) | undefined
          if (error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
            log.warn({ room: roomName, connection: connection?.id, code: 1009, reason: `frame exceeds ${maxPayloadBytes} bytes` }, 'closing connection: bad input')
          } else {
            log.warn({ room: roomName, connection: connection?.id, err: error }, 'WebSocket error')
          }
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

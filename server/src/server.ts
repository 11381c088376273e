/**
 * Wires one Ortak server: storage, write batcher, room registry, the Hono
 * app and the HTTP/WebSocket listener. `main.ts` runs it as a process;
 * tests run it in-process.
 */
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { WebSocketServer } from 'ws'
import { createApp } from './app.js'
import type { Config } from './config.js'
import type { Logger } from './log.js'
import { CLOSE_SERVICE_RESTART } from './protocol/messages.js'
import { RoomRegistry } from './rooms/registry.js'
import { SqliteStorage } from './storage/sqlite.js'
import type { Storage } from './storage/storage.js'
import { WriteBatcher } from './storage/write-batcher.js'

export interface OrtakServer {
  readonly registry: RoomRegistry
  readonly storage: Storage
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ host: string; port: number }>
  /** Stops accepting, flushes pending writes, closes sockets with 1012 and the database. */
  close(): Promise<void>
}

export const databaseFile = (dataDir: string) => path.join(dataDir, 'ortak.db')

export function createOrtakServer(config: Config, log: Logger, storage: Storage = new SqliteStorage({
  file: databaseFile(config.dataDir),
  synchronous: config.sqliteSynchronous,
})): OrtakServer {
  const batcher = new WriteBatcher(storage)
  const registry = new RoomRegistry(storage, batcher, {
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
    unloadGraceMs: config.unloadGraceMs,
  }, log)
  const app = createApp({ registry, log, editorDir: config.editorDir, maxPayloadBytes: config.maxPayloadBytes })
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayloadBytes })
  const httpServer = createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } }) as Server
  let closing: Promise<void> | null = null

  return {
    registry,
    storage,
    listen: () => new Promise((resolve, reject) => {
      httpServer.once('error', reject)
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject)
        const { port } = httpServer.address() as AddressInfo
        resolve({ host: config.host, port })
      })
    }),
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
        await registry.closeAll(CLOSE_SERVICE_RESTART, 'server restarting: reconnect shortly')
        await batcher.destroy()
        httpServer.closeAllConnections()
        for (const client of wss.clients) client.terminate()
        await stopped
        await storage.close()
      })()
      return closing
    },
  }
}

/**
 * Wires one Ortak server: storage, write batcher, room registry, the
 * WebSocket upgrade, the Hono app and the HTTP listener. `main.ts` runs it
 * as a process; tests run it in-process.
 */
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { WebSocketServer } from 'ws'
import { CLOSE_SERVICE_RESTART } from '@ortak/protocol'
import type { AppContext } from './app.js'
import { AccessControl } from './auth/access-token.js'
import { publicKey, secretKey } from './auth/keys.js'
import { originCheck } from './auth/origin.js'
import type { Config } from './config.js'
import type { Dependency } from './health.js'
import { AddressLimits } from './limits/address-limits.js'
import { Heartbeat } from './limits/heartbeat.js'
import { redactedUrl, type Logger } from './log.js'
import { measuredStorage } from './metrics.js'
import { Connection } from './rooms/connection.js'
import { RoomRegistry } from './rooms/registry.js'
import { createRoomUpgrade } from './room-upgrade.js'
import { SocketTable } from './socket-table.js'
import { RedisBridge } from './scale/redis-bridge.js'
import { PostgresStorage } from './storage/postgres.js'
import { SqliteStorage } from './storage/sqlite.js'
import type { AppendEntry, Storage } from './storage/storage.js'
import type { VersionStore } from './storage/versions.js'
import { WriteBatcher } from './storage/write-batcher.js'

export interface OrtakServer {
  readonly registry: RoomRegistry
  readonly storage: Storage
  /** The bridge to other instances, when `redisUrl` is set. */
  readonly bridge: RedisBridge | undefined
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ host: string; port: number }>
  /** Stops accepting, flushes pending writes, closes sockets with 1012 and the database. */
  close(): Promise<void>
}

export const databaseFile = (dataDir: string) => path.join(dataDir, 'ortak.db')

/** Where documents are stored, for the start-up log line (without any password). */
export const storageDescription = (config: Config) =>
  config.databaseUrl ? redactedUrl(config.databaseUrl) : databaseFile(config.dataDir)

/** The storage the settings name: PostgreSQL when `databaseUrl` is set, else the SQLite file in `dataDir`. */
export function defaultStorage(config: Config, log: Logger): Storage {
  if (config.databaseUrl) return new PostgresStorage({ connectionString: config.databaseUrl, log })
  return new SqliteStorage({ file: databaseFile(config.dataDir), synchronous: config.sqliteSynchronous, log })
}

/** The version history kept beside the documents, by the adapters that have one. */
export function versionStoreOf(storage: Storage): VersionStore | null {
  return storage instanceof SqliteStorage || storage instanceof PostgresStorage ? storage.versions : null
}

export function createOrtakServer(config: Config, log: Logger, storage: Storage = defaultStorage(config, log)): OrtakServer {
  // Rooms and the document API see the storage through its metrics (latency, errors).
  const measured = measuredStorage(storage)
  // A batch of several updates to one room can reach a socket as several frames (a room of a few forwards each as it came;
  // a crowded room's turn may take several Yjs transactions): each socket gets them in one write.
  const batcher = new WriteBatcher(measured, (batch) => {
    if (holdsTwoOfOneRoom(batch)) Connection.holdFirstFramesThisTurn()
  })
  const bridge = config.redisUrl
    ? new RedisBridge({ url: config.redisUrl, prefix: config.redisPrefix, storage, log, peerTimeoutMs: config.peerTimeoutMs })
    : undefined
  const versions = config.versionHistory === 'on' ? versionStoreOf(storage) : null
  const registry = new RoomRegistry(measured, batcher, {
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
    unloadGraceMs: config.unloadGraceMs,
    maxDocumentBytes: config.maxDocumentBytes,
    maxPendingBytes: config.maxPendingBytes,
    maxConnections: config.maxConnections,
    maxConnectionsPerRoom: config.maxConnectionsPerRoom,
    maxLoadedRooms: config.maxLoadedRooms,
    ...(versions ? {
      history: { store: versions, idleMs: config.versionIdleMs, maxIntervalMs: config.versionMaxIntervalMs, retention: config.versionRetention },
    } : {}),
  }, log, bridge)
  const dependencies: Dependency[] = []
  if (storage instanceof PostgresStorage) dependencies.push({ name: 'postgres', check: () => storage.ping() })
  if (bridge) dependencies.push({ name: 'redis', check: () => bridge.ping() })
  const access = new AccessControl([
    ...(config.authSecret ? [secretKey(config.authSecret)] : []),
    ...(config.authPublicKey ? [publicKey(config.authPublicKey)] : []),
  ])
  const addressLimits = new AddressLimits(config)
  const sockets = new SocketTable()
  // The socket table lists the open sockets; a list kept by `ws` too would cost every socket a listener more.
  // No permessage-deflate (ws's default, said here because it matters): a room frames a broadcast once for
  // all its sockets (rooms/outgoing-frame.ts), which only holds for frames no socket compresses.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayloadBytes, clientTracking: false, perMessageDeflate: false })
  const heartbeat = new Heartbeat(wss, () => sockets.sockets(), config.heartbeatIntervalMs, log, (socket) => registry.roomNameOf(socket))
  const httpServer = createServer({
    // Node checks for late headers only every connectionsCheckingInterval: often enough for the timeout to hold.
    headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
  }, lazyHttpRoutes({
    registry, storage: measured, versions, log, editorDir: config.editorDir, maxPayloadBytes: config.maxPayloadBytes, maxUploadBytes: config.maxUploadBytes,
    maxRoomFileBytes: config.maxRoomFileBytes, dependencies,
    access, allowedOrigins: config.allowedOrigins,
  }, log))
  httpServer.on('upgrade', createRoomUpgrade({
    wss, registry, log, access, isOriginAllowed: originCheck(config.allowedOrigins), trustProxy: config.trustProxy,
    sockets, maxPayloadBytes: config.maxPayloadBytes, connectionLimits: config, addressLimits,
  }))
  let closing: Promise<void> | null = null
  const listenOn = () => new Promise<{ host: string; port: number }>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      const { port } = httpServer.address() as AddressInfo
      resolve({ host: config.host, port })
    })
  })

  return {
    registry,
    storage,
    bridge,
    listen: async () => {
      // The schema is created or migrated before the first client can arrive; a database that
      // cannot be reached or migrated stops the start-up with the reason.
      if (storage instanceof PostgresStorage) await storage.migrated
      return listenOn()
    },
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
        heartbeat.destroy()
        addressLimits.destroy()
        await registry.compactAll()
        await registry.closeAll(CLOSE_SERVICE_RESTART, 'server restarting: reconnect shortly')
        await batcher.destroy()
        httpServer.closeAllConnections()
        for (const socket of [...sockets.sockets()]) socket.terminate()
        wss.close()
        await stopped
        await bridge?.close()
        await storage.close()
      })()
      return closing
    },
  }
}

/**
 * The HTTP routes (the Hono app of app.ts, through Hono's Node adapter),
 * loaded with the first HTTP request. The adapter makes a fetch `Request`
 * of every request and touches the global `Request` as it loads, which has
 * Node load its fetch implementation (undici): a cost a server that only
 * syncs rooms need not pay to start. Requests arriving while the routes
 * load wait for them.
 */
function lazyHttpRoutes(context: AppContext, log: Logger): RequestListener {
  let routes: Promise<RequestListener> | undefined
  const load = async (): Promise<RequestListener> => {
    const [{ getRequestListener }, { createApp }] = await Promise.all([import('@hono/node-server'), import('./app.js')])
    return getRequestListener(createApp(context).fetch) as RequestListener
  }
  return (request: IncomingMessage, response: ServerResponse) => {
    (routes ??= load()).then(
      (listener) => listener(request, response),
      (error: unknown) => {
        log.error({ err: error, path: (request.url ?? '').split('?')[0] }, 'the HTTP routes could not be loaded')
        response.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'internal error' }))
      },
    )
  }
}

function holdsTwoOfOneRoom(batch: readonly AppendEntry[]): boolean {
  if (batch.length < 2) return false
  const rooms = new Set<string>()
  for (const { room } of batch) {
    if (rooms.has(room)) return true
    rooms.add(room)
  }
  return false
}

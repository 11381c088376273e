/** Test helpers: real servers (in-process or as child processes), real y-websocket clients, real sockets. */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino, type Logger } from 'pino'
import { test } from 'vitest'
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { defaultConfig, type Config } from '../src/config.js'
import { Connection, type ConnectionOptions } from '../src/rooms/connection.js'
import { createOrtakServer, type OrtakServer } from '../src/server.js'
import { SqliteStorage } from '../src/storage/sqlite.js'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function tempDir(prefix = 'ortak-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export interface LogLine {
  level: number
  msg: string
  room?: string
  code?: number
  reason?: string
  [key: string]: unknown
}

/** A debug-level logger whose lines are parsed into `logs` as they are written. */
export function recordingLogger(): { log: Logger; logs: LogLine[] } {
  const logs: LogLine[] = []
  const log = pino({ level: 'debug', base: undefined }, { write: (line: string) => void logs.push(JSON.parse(line)) })
  return { log, logs }
}

export interface TestServer {
  server: OrtakServer
  url: string
  wsUrl: string
  port: number
  dataDir: string
  logs: LogLine[]
  close(): Promise<void>
}

/** An Ortak server in this process on an ephemeral port, logging into `logs`. */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir()
  const { log, logs } = recordingLogger()
  const config = defaultConfig({ port: 0, dataDir, editorDir: path.join(dataDir, 'no-editor'), ...overrides })
  const server = createOrtakServer(config, log)
  const { port } = await server.listen()
  return {
    server, port, dataDir, logs,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close: () => server.close(),
  }
}

export interface ServerFixtures {
  /** A server of this test's own, closed after it. */
  server: TestServer
  /** Clients destroyed after the test, before its server closes. */
  clients: TestClient[]
  /** Connects a stock client to this test's server and puts it in `clients`. */
  connect: (room: string, options?: Parameters<typeof connectClient>[2]) => TestClient
}

/**
 * vitest's `test`, giving each test that asks for them (`async ({ server, clients }) => …`) a fresh
 * server started with `overrides`, and the clients to destroy once it ends. Fixtures, not hooks:
 * a test that asks for no server starts none, and the clients go before their server closes.
 */
export function testWithServer(overrides: Partial<Config> = {}) {
  return test.extend<ServerFixtures>({
    // vitest reads what a fixture needs from its destructuring pattern: the server needs nothing.
    server: async ({}, use) => {
      const server = await startServer(overrides)
      await use(server)
      await server.close()
    },
    // Asking for the server makes vitest tear the clients down first.
    clients: async ({ server: _ }, use) => {
      const clients: TestClient[] = []
      await use(clients)
      for (const client of clients) client.destroy()
    },
    connect: async ({ server, clients }, use) => {
      await use((room, options) => {
        const client = connectClient(server.wsUrl, room, options)
        clients.push(client)
        return client
      })
    },
  })
}

export interface ServerProcess {
  child: ChildProcess
  port: number
  url: string
  wsUrl: string
  output: string[]
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  kill(signal?: NodeJS.Signals): Promise<number | null>
}

/** An Ortak server as a real child process (for restarts and kill -9); `bin` runs another copy of the compiled server. */
export async function spawnServer(
  dataDir: string, args: string[] = [], env: Record<string, string> = {}, bin = path.join(repoRoot, 'server/bin/ortak.js'),
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', dataDir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', EDITOR_DIR: path.join(dataDir, 'no-editor'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output.join('')}`)), 20_000)
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      output.push(chunk.toString())
      const match = /"port":(\d+)/.exec(buffered)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${output.join('')}`)))
  })
  return {
    child, port, output, exited,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal)
      return exited
    },
  }
}

export interface TestClient {
  doc: Y.Doc
  provider: WebsocketProvider
  destroy(): void
}

/**
 * The stock y-websocket provider, as an app would use it (no BroadcastChannel shortcut between tests' docs).
 * It reconnects within `maxBackoffTime` ms (300 unless given).
 */
export function connectClient(
  wsUrl: string, room: string,
  options: { doc?: Y.Doc; params?: Record<string, string>; maxBackoffTime?: number; WebSocketClass?: typeof WebSocket } = {},
): TestClient {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: (options.WebSocketClass ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: options.maxBackoffTime ?? 300,
    params: options.params,
  })
  return {
    doc, provider,
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

export function synced(client: TestClient): Promise<void> {
  if (client.provider.synced) return Promise.resolve()
  return new Promise((resolve) => {
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return
      client.provider.off('sync', onSync)
      resolve()
    }
    client.provider.on('sync', onSync)
  })
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A raw WebSocket to a room, for sending frames no well-behaved client would. */
export async function rawSocket(
  wsUrl: string, room: string, query: Record<string, string> = {}, options: ClientOptions = {},
): Promise<{ ws: WebSocket; messages: Uint8Array[]; closed: Promise<{ code: number; reason: string }> }> {
  const search = new URLSearchParams(query).toString()
  const ws = new WebSocket(`${wsUrl}/${encodeURIComponent(room)}${search ? `?${search}` : ''}`, options)
  const messages: Uint8Array[] = []
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, messages, closed }
}

/** A room's Connection over a real WebSocket, and the client's end of it with every frame it was sent. */
export interface ConnectedClient {
  connection: Connection
  ws: WebSocket
  /** The server's end of the socket, the one `connection` sends on. */
  serverSocket: WebSocket
  received: Uint8Array[]
}

export interface RoomPartFixtures {
  /** A SQLite file of this test's own. */
  storageFile: string
  /** SQLite storage on `storageFile`, closed after the test. */
  storage: SqliteStorage
  /** A debug logger for the part under test, and the lines it wrote. */
  logger: { log: Logger; logs: LogLine[] }
  /**
   * Opens a WebSocket from a client to a server of this test's own on 127.0.0.1 and wraps the
   * server's end in a Connection, as the registry does. Every socket is closed after the test.
   */
  connect: (options?: Partial<ConnectionOptions>) => Promise<ConnectedClient>
}

/** vitest's `test`, with the real pieces a room is built from, for unit tests of the room's parts. */
export const testWithRoomParts = test.extend<RoomPartFixtures>({
  storageFile: async ({}, use) => {
    await use(path.join(tempDir(), 'ortak.db'))
  },
  storage: async ({ storageFile }, use) => {
    const storage = new SqliteStorage({ file: storageFile })
    await use(storage)
    await storage.close()
  },
  logger: async ({}, use) => {
    await use(recordingLogger())
  },
  connect: async ({}, use) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    const { port } = wss.address() as AddressInfo
    // Each client asks for a path of its own, so its server end is found whatever order they open in.
    const accepted = new Map<string, (socket: WebSocket) => void>()
    wss.on('connection', (socket, request) => accepted.get(request.url!)?.(socket))
    let opened = 0
    await use(async (options = {}) => {
      const url = `/client-${++opened}`
      const serverEnd = new Promise<WebSocket>((resolve) => accepted.set(url, resolve))
      const ws = new WebSocket(`ws://127.0.0.1:${port}${url}`)
      const received: Uint8Array[] = []
      ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)))
      const [socket] = await Promise.all([serverEnd, once(ws, 'open')])
      accepted.delete(url)
      return { connection: new Connection(socket, { wantsStoredAcks: false, ...options }), ws, serverSocket: socket, received }
    })
    for (const socket of wss.clients) socket.terminate()
    await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())))
  },
})

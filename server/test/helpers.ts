/** Test helpers: real servers (in-process or as child processes), real y-websocket clients, real sockets. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { WebSocket, type ClientOptions } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { defaultConfig, type Config } from '../src/config.js'
import { createOrtakServer, type OrtakServer } from '../src/server.js'

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
  const logs: LogLine[] = []
  const log = pino({ level: 'debug', base: undefined }, { write: (line: string) => void logs.push(JSON.parse(line)) })
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

/** An Ortak server as a real child process (for restarts and kill -9). */
export async function spawnServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'server/bin/ortak.js'), 'serve', '--port', '0', '--data', dataDir, ...args], {
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

/** The stock y-websocket provider, as an app would use it (no BroadcastChannel shortcut between tests' docs). */
export function connectClient(wsUrl: string, room: string, options: { doc?: Y.Doc; params?: Record<string, string> } = {}): TestClient {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
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

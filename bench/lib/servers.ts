/**
 * The servers under test, each as its own process on 127.0.0.1: Ortak
 * (compiled, as `ortak serve` runs it: SQLite, default settings), the reference
 * @y/websocket-server with its LevelDB persistence, and Hocuspocus with its
 * SQLite extension. All are started the same way (the memory probe
 * preloaded) and measured from outside: CPU from /proc, memory through the probe.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { track } from './children.js'
import type { Wire } from './wire.js'

export type ServerKind = 'ortak' | 'reference' | 'hocuspocus'
export const SERVER_KINDS: readonly ServerKind[] = ['ortak', 'reference', 'hocuspocus']
/** The servers Ortak is measured against, each with a column and a ratio of its own. */
export const PEERS = ['reference', 'hocuspocus'] as const satisfies readonly ServerKind[]
export type Peer = typeof PEERS[number]
/** How each server frames its messages (bench/lib/wire.ts). */
export const wireOf = (kind: ServerKind): Wire => kind === 'hocuspocus' ? 'hocuspocus' : 'y-websocket'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const probe = path.join(repoRoot, 'bench/lib/probe.mjs')
const CLOCK_TICKS_PER_SECOND = 100

/**
 * Ortak runs with its default settings except its abuse limits and its
 * heartbeat, which the reference does not have (or has at 30 s) and which
 * the scenarios exceed on purpose (a trace replayed at full speed, 3,000
 * clients in one room or 3,000 rooms, a reader allowed to lag by the whole
 * trace). Storage settings stay default. The abuse scenario, which measures
 * those limits, starts Ortak without these flags.
 */
export const ORTAK_LIMIT_FLAGS = [
  '--max-messages-per-second', '100000000',
  '--max-bytes-per-second', '1000000000',
  '--max-connections', '100000',
  // Every bench client comes from 127.0.0.1: the default 20 a second per address refused the connections scenario's crowd with 429.
  '--max-connections-per-second-per-address', '100000',
  '--max-connections-per-room', '100000',
  '--max-loaded-rooms', '100000',
  '--max-buffered-bytes', String(256 * 1024 * 1024),
  // A writer that sends faster than the server reads has its pong queued behind its own updates;
  // the default 5 s heartbeat would terminate it. The reference pings every 30 s.
  '--heartbeat-interval-ms', '60000',
]

/**
 * How long after the last change a server writes what it holds: Hocuspocus
 * stores a document once it has been quiet for its `debounce` (2 s by
 * default); Ortak and the reference write as updates come.
 */
const DEFERRED_WRITE_MS: Record<ServerKind, number> = { ortak: 0, reference: 0, hocuspocus: 2_000 }

export interface MemorySample {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/** What the server holds after a full collection: JS heap plus memory outside it (buffers, sockets' native parts). */
export const heldBytes = (m: MemorySample) => m.heapUsed + m.external

export interface ServerHandle {
  kind: ServerKind
  wire: Wire
  pid: number
  port: number
  dataDir: string
  /** The URL a provider is given: y-websocket's `WebsocketProvider` appends `/<room>`, Hocuspocus's takes it as it is. */
  providerUrl: string
  /** The WebSocket URL of one room, for raw protocol clients (Hocuspocus's framing reads the room from it). */
  roomUrl(room: string): string
  /** How long after the last change the server writes what it holds (see DEFERRED_WRITE_MS). */
  deferredWriteMs: number
  /** User + system CPU seconds the process has used so far, all its threads included. */
  cpuSeconds(): number
  /**
   * CPU milliseconds the process's live threads have run so far, from the scheduler's nanosecond accounting
   * (schedstat): fine enough for a start-up, which takes about ten of cpuSeconds' 10 ms ticks.
   */
  cpuMilliseconds(): number
  memory(): Promise<MemorySample>
  /** Ortak's /healthz counters; null for the peers, which have none. */
  stats(): Promise<{ rooms: number; connections: number } | null>
  /** Graceful stop (SIGTERM), bounded: SIGKILL after 15 s. */
  stop(): Promise<void>
  /** kill -9. */
  kill(): Promise<void>
  output: string[]
}

export interface StartOptions {
  dataDir: string
  /** 0 picks a free port; a fixed port lets reconnecting clients find a restarted server. */
  port?: number
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[]
  /** Ortak's client limits: 'lifted' by ORTAK_LIMIT_FLAGS (the default), or its own 'default' ones. */
  limits?: 'lifted' | 'default'
  /** Ortak with VERSION_HISTORY=off, to measure what history costs (history-off.ts). */
  isHistoryOff?: boolean
  /** Where Ortak serves its web app from; by default it serves none (a folder that does not exist). */
  editorDir?: string
}

export async function startServer(kind: ServerKind, options: StartOptions): Promise<ServerHandle> {
  const { dataDir, port = 0, nodeFlags = [], limits = 'lifted', isHistoryOff = false, editorDir = path.join(dataDir, 'no-editor') } = options
  if (kind !== 'ortak' && (isHistoryOff || options.editorDir !== undefined)) throw new RangeError(`isHistoryOff and editorDir are Ortak's settings, not ${kind}'s`)
  fs.mkdirSync(dataDir, { recursive: true })
  const common = ['--import', probe]
  const [script, args, env] = {
    ortak: ['server/bin/ortak.js', ['serve', '--port', String(port), '--data', dataDir, ...(limits === 'lifted' ? ORTAK_LIMIT_FLAGS : [])], { EDITOR_DIR: editorDir, ...(isHistoryOff ? { VERSION_HISTORY: 'off' } : {}) }],
    reference: ['bench/lib/reference-server.mjs', [], { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: dataDir }],
    hocuspocus: ['bench/lib/hocuspocus-server.mjs', [], { HOST: '127.0.0.1', PORT: String(port), DATA: dataDir }],
  }[kind] as [string, string[], Record<string, string>]
  const child = spawn(process.execPath, [...common, ...nodeFlags, script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  track(child)
  const output: string[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const boundPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 30 s: ${output.join('')}`)), 30_000)
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString()
      if (output.length < 200) output.push(text)
      buffered += text
      const match = /"port":(\d+)/.exec(buffered)
      if (match) {
        clearTimeout(timer)
        buffered = ''
        resolve(Number(match[1]))
      }
      if (buffered.length > 1 << 16) buffered = buffered.slice(-1024)
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      if (output.length < 200) output.push(chunk.toString())
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${kind} exited before listening: ${output.join('')}`))
    })
  })
  return handle(kind, child, boundPort, dataDir, output, exited)
}

function handle(kind: ServerKind, child: ChildProcess, port: number, dataDir: string, output: string[], exited: Promise<void>): ServerHandle {
  let nextProbeId = 1
  const pid = child.pid!
  const base = `ws://127.0.0.1:${port}`
  const stopWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
  const roomsAt = kind === 'ortak' ? `${base}/ws` : base
  return {
    kind, wire: wireOf(kind), pid, port, dataDir, output, deferredWriteMs: DEFERRED_WRITE_MS[kind],
    providerUrl: roomsAt,
    roomUrl: (room) => `${roomsAt}/${encodeURIComponent(room)}`,
    cpuSeconds: () => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // Fields 14 and 15 of stat(5), counted from the state field (3).
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
    },
    cpuMilliseconds: () => {
      let nanoseconds = 0
      for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
          nanoseconds += Number(fs.readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0])
        } catch {
          // The thread ended between the listing and the read: its time is no longer counted anywhere.
        }
      }
      return nanoseconds / 1e6
    },
    memory: () => new Promise((resolve, reject) => {
      const id = nextProbeId++
      const timer = setTimeout(() => {
        child.off('message', onMessage)
        reject(new Error(`${kind} did not answer the memory probe within 30 s`))
      }, 30_000)
      const onMessage = (message: { type?: string; id?: number } & MemorySample) => {
        if (message.type !== 'memory' || message.id !== id) return
        clearTimeout(timer)
        child.off('message', onMessage)
        resolve({ rss: message.rss, heapUsed: message.heapUsed, external: message.external, arrayBuffers: message.arrayBuffers })
      }
      child.on('message', onMessage)
      child.send({ type: 'memory', id })
    }),
    stats: async () => {
      if (kind !== 'ortak') return null
      const response = await fetch(`http://127.0.0.1:${port}/healthz`)
      return await response.json() as { rooms: number; connections: number }
    },
    stop: () => stopWith('SIGTERM', 15_000),
    kill: () => stopWith('SIGKILL', 0),
  }
}

/** Total size of the files under `dir` (what the server keeps on disk). */
export function diskBytes(dir: string): number {
  let total = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size
  }
  return total
}

/** Waits until the server's CPU use stays below `idleShare` of one core for `windowMs`, or `capMs` passes. */
export async function waitForIdle(server: ServerHandle, capMs: number, windowMs = 500, idleShare = 0.05): Promise<{ isIdle: boolean; ms: number }> {
  const started = performance.now()
  let last = server.cpuSeconds()
  while (performance.now() - started < capMs) {
    await new Promise((r) => setTimeout(r, windowMs))
    const now = server.cpuSeconds()
    if (now - last < idleShare * windowMs / 1000) return { isIdle: true, ms: performance.now() - started - windowMs }
    last = now
  }
  return { isIdle: false, ms: performance.now() - started }
}

/**
 * Copies SQLite's write-ahead log into the database file from a worker
 * thread. Left to itself SQLite does this inside whichever commit takes the
 * log past its autocheckpoint size, and with `synchronous=NORMAL` that
 * checkpoint ends in an fsync during which the server answers nobody, which
 * set the 99th-percentile latency of a busy server (the fanout scenario of
 * `npm run bench`, `--only fanout`, measures that latency). Here the
 * server's own connection never checkpoints (`wal_autocheckpoint = 0`) and
 * a worker with a connection of its own runs PASSIVE checkpoints, which
 * never wait for and never block the writer. Commits are as durable as
 * before: they are in the log either way.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3')

// Plain CommonJS, evaluated in the worker: no loader or build step needed there.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.betterSqlite3)
const db = new Database(workerData.file)
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (error) {
    parentPort.postMessage({ problem: String(error && error.message || error) })
  }
}, workerData.intervalMs)
parentPort.on('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Started by the first write, not with the database: a server that only
 * serves what is stored has no log to copy, and a worker thread costs a
 * start-up (a Node.js instance of its own) that a restarting server's
 * reconnecting clients would otherwise wait behind.
 */
export class WalCheckpointer {
  private worker: Worker | undefined
  private exited: Promise<void> = Promise.resolve()
  private isDestroyed = false

  /** `onProblem` hears of a failed checkpoint (the log then grows until one succeeds; nothing is lost). */
  constructor(private readonly file: string, private readonly onProblem: (message: string) => void, private readonly intervalMs = 500) {}

  /** Call before each write: starts the worker the first time. */
  start(): void {
    if (this.worker || this.isDestroyed) return
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, intervalMs: this.intervalMs, betterSqlite3 } })
    worker.on('message', (message: { problem: string }) => this.onProblem(message.problem))
    worker.on('error', (error) => this.onProblem(error.message))
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()))
    // A server with nothing else to do may exit; the log is checkpointed when the database closes.
    worker.unref()
    this.worker = worker
  }

  /** Stops the worker and closes its connection, so the server's connection is the last one and may remove the log. */
  async destroy(): Promise<void> {
    this.isDestroyed = true
    const worker = this.worker
    if (!worker) return
    worker.postMessage('stop')
    const timer = setTimeout(() => void worker.terminate(), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

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

export class WalCheckpointer {
  private readonly worker: Worker
  private readonly exited: Promise<void>

  /** `onProblem` hears of a failed checkpoint (the log then grows until one succeeds; nothing is lost). */
  constructor(file: string, onProblem: (message: string) => void, intervalMs = 500) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, betterSqlite3 } })
    this.worker.on('message', (message: { problem: string }) => onProblem(message.problem))
    this.worker.on('error', (error) => onProblem(error.message))
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()))
    // A server with nothing else to do may exit; the log is checkpointed when the database closes.
    this.worker.unref()
  }

  /** Stops the worker and closes its connection, so the server's connection is the last one and may remove the log. */
  async destroy(): Promise<void> {
    this.worker.postMessage('stop')
    const timer = setTimeout(() => void this.worker.terminate(), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

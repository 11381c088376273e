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
 *
 * A checkpoint that copies anything ends in two fsyncs (the log, then the
 * database), whose cost does not shrink with what is copied: at a few
 * keystrokes a second, checkpointing on a short fixed interval was a large
 * share of the server's CPU per delivered update (`npm run bench -- --only
 * curve-clients`, 10 clients). So the worker checkpoints once the log has
 * grown by MAX_PENDING_PAGES, or once what it holds is MAX_PENDING_MS old:
 * the writer counts what it writes in memory shared with the worker, and
 * nothing crosses between the threads per write.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3')

/**
 * The log's growth, in pages, past which the worker checkpoints. SQLite's own `wal_autocheckpoint` is
 * 1,000; less here, because the writer goes on appending while a checkpoint copies, and the log file
 * grows by what comes in meanwhile before the writer can start it over.
 */
const MAX_PENDING_PAGES = 256
/** How long a write may wait in the log before the worker checkpoints it, however little was written. */
const MAX_PENDING_MS = 5_000
/** What the writer counts a write as: its bytes in pages, and at least one (the page its row lands on). */
const PAGE_BYTES = 4_096

// Plain CommonJS, evaluated in the worker: no loader or build step needed there.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.betterSqlite3)
const db = new Database(workerData.file)
const pagesWritten = new Int32Array(workerData.pagesWritten)
let copiedThrough = 0
let lastCheckpointAt = Date.now()
const timer = setInterval(() => {
  const written = Atomics.load(pagesWritten, 0)
  // Differences of 32-bit counters, right across a wrap.
  const pending = (written - copiedThrough) | 0
  if (pending === 0) return
  if (pending < workerData.maxPendingPages && Date.now() - lastCheckpointAt < workerData.maxPendingMs) return
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)')
    lastCheckpointAt = Date.now()
    // A reader's snapshot can keep part of the log from being copied: then it is tried again next time.
    if (result && result.checkpointed === result.log) copiedThrough = written
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
  /** Pages the writer has written to the log so far, counted up to wrap at 2^31: read by the worker. */
  private readonly pagesWritten = new Int32Array(new SharedArrayBuffer(4))
  private exited: Promise<void> = Promise.resolve()
  private isDestroyed = false

  /** `onProblem` hears of a failed checkpoint (the log then grows until one succeeds; nothing is lost). */
  constructor(private readonly file: string, private readonly onProblem: (message: string) => void, private readonly intervalMs = 500) {}

  /** Call before each write, with the bytes it writes where known: starts the worker the first time, and counts the write. */
  noteWrite(bytes = 0): void {
    Atomics.add(this.pagesWritten, 0, 1 + Math.floor(bytes / PAGE_BYTES))
    if (this.worker || this.isDestroyed) return
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file, intervalMs: this.intervalMs, betterSqlite3, pagesWritten: this.pagesWritten.buffer,
        maxPendingPages: MAX_PENDING_PAGES, maxPendingMs: MAX_PENDING_MS,
      },
    })
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

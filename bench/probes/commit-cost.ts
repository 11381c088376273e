/**
 * What storing one keystroke costs the server, back to back (a busy room)
 * and paced 10 ms apart (a quiet one, where the CPU's caches have gone cold
 * between edits): SqliteStorage.append of a 30-byte update, beside a plain
 * 4 KB pwrite(2) of a page to a file, which is what any durable append
 * must at least do. Ortak stores an update before anyone sees it, so at a
 * few edits a second this is the delay it adds to a delivery over a server
 * that stores nothing first (`npm run bench -- --only curve-clients`, 10
 * clients). Beside them, a message's round trip to a worker thread and
 * back: what committing on another thread, with the broadcast on its reply,
 * would put on the same path instead.
 *
 *   node --import tsx bench/probes/commit-cost.ts [--dir /tmp]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { SqliteStorage } from '../../server/src/storage/sqlite.js'
import { quantile } from '../lib/stats.js'

const COMMITS = 300
const PACE_MS = 10
const at = process.argv.indexOf('--dir')
const parent = at > 0 ? process.argv[at + 1]! : os.tmpdir()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function timed(label: string, isPaced: boolean, run: (i: number) => unknown): Promise<void> {
  const micros: number[] = []
  for (let i = 0; i < COMMITS; i++) {
    const start = performance.now()
    await run(i)
    micros.push((performance.now() - start) * 1000)
    if (isPaced) await sleep(PACE_MS)
  }
  console.log(`${label.padEnd(44)} ${isPaced ? `paced ${PACE_MS} ms` : 'back to back'}: p50 ${quantile(micros, 0.5).toFixed(0)} us, p90 ${quantile(micros, 0.9).toFixed(0)} us`)
}

console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, files under ${parent}`)
const dir = fs.mkdtempSync(path.join(parent, 'commit-cost-'))
try {
  const storage = new SqliteStorage({ file: path.join(dir, 'ortak.db') })
  const { generation } = await storage.load('room')
  const update = new Uint8Array(30).fill(7)
  const page = Buffer.alloc(4096, 7)
  const fd = fs.openSync(path.join(dir, 'pages'), 'w')
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true })
  const roundTrip = (i: number) => new Promise((resolve) => {
    worker.once('message', resolve)
    worker.postMessage(i)
  })
  await roundTrip(0)
  for (const isPaced of [false, true]) {
    await timed('SqliteStorage.append, one 30-byte update', isPaced, () => storage.append([{ room: 'room', update, generation }]))
    await timed('pwrite(2) of one 4 KB page', isPaced, (i) => fs.writeSync(fd, page, 0, page.length, i * page.length))
    await timed('postMessage to a worker and its reply', isPaced, roundTrip)
  }
  await worker.terminate()
  fs.closeSync(fd)
  await storage.close()
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

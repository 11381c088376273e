/**
 * What one commit of the SQLite log costs: the time of `SqliteStorage.append`
 * for a one-keystroke batch, and the bytes it adds to the write-ahead log,
 * in a room that already holds a log. The fanout scenario waits for this
 * commit before each broadcast, so it is the floor under its latency.
 *
 * Back to back, the commits run with warm caches. With a pause between them
 * (the third argument, in ms; the fanout scenario's rooms get a keystroke
 * about every 2 ms) each commit comes after the thread slept, as a server's
 * does: the tool then reports each commit's time, and for comparison the
 * time of a single 4 KiB file write (what a commit adds to the log, one
 * page) made first after the same pause and made right after another.
 *
 *   npx tsx bench/tools/sqlite-commit-cost.ts [commits] [rounds] [pause ms]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { SqliteStorage } from '../../server/src/storage/sqlite.js'
import { median, quantile } from '../lib/stats.js'

const commits = Number(process.argv[2] ?? 2_000)
const rounds = Number(process.argv[3] ?? 5)
const pauseMs = Number(process.argv[4] ?? 0)

function keystrokes(count: number): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, 'x')
  return updates
}

const pause = () => new Promise((resolve) => setTimeout(resolve, pauseMs))

interface Round {
  usPerCommit: number
  walBytesPerCommit: number
  /** Each commit's time, us: only with a pause between commits. */
  commitUs: number[]
}

async function round(): Promise<Round> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-commit-cost-'))
  const file = path.join(dir, 'ortak.db')
  const storage = new SqliteStorage({ file })
  const updates = keystrokes(commits * 2)
  // Other rooms and an existing log, so the commit lands in a file like a server's.
  for (let room = 0; room < 20; room++) await storage.append([{ room: `other-${room}`, update: updates[room]!, generation: 0 }])
  for (let i = 0; i < commits; i++) await storage.append([{ room: 'measured', update: updates[i]!, generation: 0 }])
  // Back to back, no wait here: the first write started the checkpoint worker, whose first checkpoint
  // comes 500 ms later, after the measured commits, so the log only grows while they run. With pauses
  // the worker checkpoints meanwhile, as it does in a server, so the log's growth is not measured.
  const walBefore = fs.statSync(`${file}-wal`).size
  const commitUs: number[] = []
  let elapsed = 0
  for (let i = commits; i < 2 * commits; i++) {
    if (pauseMs > 0) await pause()
    const start = performance.now()
    await storage.append([{ room: 'measured', update: updates[i]!, generation: 0 }])
    const took = performance.now() - start
    elapsed += took
    if (pauseMs > 0) commitUs.push(took * 1000)
  }
  const walAfter = fs.statSync(`${file}-wal`).size
  await storage.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return { usPerCommit: (elapsed * 1000) / commits, walBytesPerCommit: (walAfter - walBefore) / commits, commitUs }
}

/** A 4 KiB file write made first after a pause, and one made right after it, us (medians). */
async function fileWriteAfterPause(): Promise<{ firstUs: number; secondUs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-commit-cost-'))
  const fd = fs.openSync(path.join(dir, 'file'), 'w')
  const page = Buffer.alloc(4_096, 1)
  const first: number[] = []
  const second: number[] = []
  let position = 0
  for (let i = 0; i < commits; i++) {
    await pause()
    const start = performance.now()
    fs.writeSync(fd, page, 0, page.byteLength, position)
    const between = performance.now()
    fs.writeSync(fd, page, 0, page.byteLength, position + page.byteLength)
    first.push((between - start) * 1000)
    second.push((performance.now() - between) * 1000)
    position += 2 * page.byteLength
  }
  fs.closeSync(fd)
  fs.rmSync(dir, { recursive: true, force: true })
  return { firstUs: median(first), secondUs: median(second) }
}

const results: Round[] = []
for (let i = 0; i < rounds; i++) results.push(await round())
const common = { cores: os.cpus().length, load: os.loadavg().map((l) => l.toFixed(2)).join(' '), commits, rounds }
if (pauseMs === 0) {
  console.log(JSON.stringify({
    ...common,
    usPerCommit: median(results.map((r) => r.usPerCommit)).toFixed(1),
    walBytesPerCommit: Math.round(median(results.map((r) => r.walBytesPerCommit))),
    each: results.map((r) => r.usPerCommit.toFixed(1)),
  }))
} else {
  const all = results.flatMap((r) => r.commitUs)
  const write = await fileWriteAfterPause()
  console.log(JSON.stringify({
    ...common,
    pauseMs,
    commitUs: { p50: median(all).toFixed(1), p90: quantile(all, 0.9).toFixed(1), p99: quantile(all, 0.99).toFixed(1) },
    eachP50: results.map((r) => median(r.commitUs).toFixed(1)),
    fileWriteAfterPauseUs: { first: write.firstUs.toFixed(1), second: write.secondUs.toFixed(1) },
  }))
}

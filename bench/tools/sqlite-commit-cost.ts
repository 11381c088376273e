/**
 * What one commit of the SQLite log costs: the time of `SqliteStorage.append`
 * for a one-keystroke batch, and the bytes it adds to the write-ahead log,
 * in a room that already holds a log. The fanout scenario waits for this
 * commit before each broadcast, so it is the floor under its latency.
 *
 *   npx tsx bench/tools/sqlite-commit-cost.ts [commits] [rounds]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { SqliteStorage } from '../../server/src/storage/sqlite.js'

const commits = Number(process.argv[2] ?? 2_000)
const rounds = Number(process.argv[3] ?? 5)

function keystrokes(count: number): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, 'x')
  return updates
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

async function round(): Promise<{ usPerCommit: number; walBytesPerCommit: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-commit-cost-'))
  const file = path.join(dir, 'ortak.db')
  const storage = new SqliteStorage({ file })
  const updates = keystrokes(commits * 2)
  // Other rooms and an existing log, so the commit lands in a file like a server's.
  for (let room = 0; room < 20; room++) await storage.append([{ room: `other-${room}`, update: updates[room]!, generation: 0 }])
  for (let i = 0; i < commits; i++) await storage.append([{ room: 'measured', update: updates[i]!, generation: 0 }])
  // No wait here: the first write started the checkpoint worker, whose first checkpoint comes 500 ms later,
  // after the measured commits, so the log only grows while they run.
  const walBefore = fs.statSync(`${file}-wal`).size
  const start = performance.now()
  for (let i = commits; i < 2 * commits; i++) await storage.append([{ room: 'measured', update: updates[i]!, generation: 0 }])
  const elapsed = performance.now() - start
  const walAfter = fs.statSync(`${file}-wal`).size
  await storage.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return { usPerCommit: (elapsed * 1000) / commits, walBytesPerCommit: (walAfter - walBefore) / commits }
}

const results = []
for (let i = 0; i < rounds; i++) results.push(await round())
console.log(JSON.stringify({
  cores: os.cpus().length,
  load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  commits,
  rounds,
  usPerCommit: median(results.map((r) => r.usPerCommit)).toFixed(1),
  walBytesPerCommit: Math.round(median(results.map((r) => r.walBytesPerCommit))),
  each: results.map((r) => r.usPerCommit.toFixed(1)),
}))

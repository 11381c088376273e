import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { tempDir, waitFor } from './helpers.js'
import { png, sha256 } from './pictures.js'

it('keeps the write-ahead log bounded by checkpointing it in the background, and removes it at close', async () => {
  const file = path.join(tempDir(), 'ortak.db')
  const storage = new SqliteStorage({ file })
  const doc = new Y.Doc()
  const line = 'a line of about a hundred characters, typed into the document to make the log grow steadily. '
  const walBytes = () => fs.statSync(`${file}-wal`).size
  /** Appends a batch of 1,000 lines, about 100 KB; returns its bytes. */
  const appendBatch = async () => {
    const updates: Uint8Array[] = []
    const collect = (u: Uint8Array) => updates.push(u)
    doc.on('update', collect)
    for (let i = 0; i < 1_000; i++) doc.getText('t').insert(0, line)
    doc.off('update', collect)
    await storage.append(updates.map((update) => ({ room: 'r', update, generation: 0 })))
    return updates.reduce((sum, u) => sum + u.byteLength, 0)
  }
  // The worker starts with the first write, loading SQLite in a thread of its own, which on a busy machine (the
  // whole test suite at once) took seconds: the log is measured from its first checkpoint on.
  let written = 0
  for (let batch = 0; batch < 12; batch++) written += await appendBatch()
  await waitFor('the worker\'s first checkpoint', () => fs.statSync(file).size > written / 2, 20_000)
  let largestWal = 0
  let measured = 0
  // About 8 MB more of updates in batches, a little at a time, as a busy server would append them.
  for (let batch = 0; batch < 80; batch++) {
    measured += await appendBatch()
    largestWal = Math.max(largestWal, walBytes())
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  // The worker has copied the log into the database and the writer has started the log over.
  written += measured
  await waitFor('the database file holds the log', () => fs.statSync(file).size > written / 2, 10_000)
  // Without checkpoints the log would hold everything written (and more: whole pages).
  expect(largestWal).toBeLessThan(measured * 0.75)
  const loaded = await storage.load('r')
  expect(loaded.logCount).toBe(92_000)
  await storage.close()
  expect(fs.existsSync(`${file}-wal`)).toBe(false)
}, 60_000)

it('leaves a trickle of small writes in the log for a few seconds, then copies them all at once', async () => {
  const file = path.join(tempDir(), 'ortak.db')
  const storage = new SqliteStorage({ file })
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  for (let i = 0; i < 21; i++) doc.getText('t').insert(i, 'x')
  await storage.append([{ room: 'r', update: updates[0]!, generation: 0 }])
  const databaseBytes = () => fs.statSync(file).size
  const before = databaseBytes()
  // Keystrokes a tenth of a second apart for two seconds: far from a log worth copying on its own.
  for (const update of updates.slice(1)) {
    await storage.append([{ room: 'r', update, generation: 0 }])
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  // A checkpoint copying them would have grown the database file (it held no log pages yet).
  expect(databaseBytes()).toBe(before)
  await waitFor('the trickle copied into the database', () => databaseBytes() > before, 15_000)
  expect((await storage.load('r')).logCount).toBe(21)
  await storage.close()
}, 30_000)

it('checkpoints the files a server stores as it does documents, though it stores nothing else', async () => {
  const file = path.join(tempDir(), 'ortak.db')
  const storage = new SqliteStorage({ file })
  const before = fs.statSync(file).size
  // A 2 MiB picture (a PNG with bytes after its end is still a PNG): 512 pages of log, past the worker's 256.
  const bytes = new Uint8Array(2 * 1024 * 1024)
  bytes.set(png)
  await storage.files.putFile('album', { hash: sha256(bytes), mediaType: 'image/png', bytes })
  await waitFor('the picture copied into the database', () => fs.statSync(file).size > before + bytes.byteLength, 20_000)
  expect((await storage.files.getFile('album', sha256(bytes)))?.bytes.byteLength).toBe(bytes.byteLength)
  await storage.close()
}, 30_000)

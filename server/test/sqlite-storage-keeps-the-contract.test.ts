import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { RoomDeletedError } from '../src/storage/storage.js'
import { itKeepsDeletedRoomsDeleted } from './deleted-rooms-stay-deleted.js'
import { png, sha256 } from './pictures.js'
import { itKeepsFilesWithTheirRooms } from './room-files-stay-with-their-rooms.js'
import { tempDir } from './helpers.js'

/** A Yjs update appending `text` to a document, as a client would send it. */
function textUpdates(count: number, text = 'x'): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  for (let i = 0; i < count; i++) doc.getText('t').insert(doc.getText('t').length, `${text}${i};`)
  return updates
}

const textOf = (updates: readonly Uint8Array[]) => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

describe('SQLite storage', () => {
  const open: SqliteStorage[] = []
  const storageIn = (dir: string) => {
    const storage = new SqliteStorage({ file: path.join(dir, 'ortak.db') })
    open.push(storage)
    return storage
  }
  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close()
  })

  it('loads an unknown room as empty', async () => {
    expect(await storageIn(tempDir()).load('nobody-here')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0, generation: 0 })
  })

  itKeepsDeletedRoomsDeleted(() => storageIn(tempDir()))

  describe('files', () => {
    const dir = tempDir()
    const file = path.join(dir, 'ortak.db')
    let shared: SqliteStorage | undefined
    afterAll(() => shared?.close())
    itKeepsFilesWithTheirRooms(() => (shared ??= new SqliteStorage({ file })), async () => {
      const rows = new Database(file, { readonly: true })
      try {
        return (rows.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n
      } finally {
        rows.close()
      }
    })
  })

  it('stores a batch as one row per room and loads every update back, in order', async () => {
    const dir = tempDir()
    const storage = storageIn(dir)
    const a = textUpdates(3, 'a')
    const b = textUpdates(2, 'b')
    const seqs = await storage.append([
      { room: 'a', update: a[0]!, generation: 0 }, { room: 'b', update: b[0]!, generation: 0 }, { room: 'a', update: a[1]!, generation: 0 },
      { room: 'b', update: b[1]!, generation: 0 }, { room: 'a', update: a[2]!, generation: 0 },
    ])
    expect(seqs[0]).toBe(seqs[2])
    expect(seqs[2]).toBe(seqs[4])
    expect(seqs[1]).toBe(seqs[3])
    expect(seqs[0]).not.toBe(seqs[1])
    const loaded = await storage.load('a')
    expect(loaded.updates.map((u) => Buffer.from(u))).toEqual(a.map((u) => Buffer.from(u)))
    expect(loaded).toMatchObject({ lastSeq: seqs[0], logCount: 3 })
    expect(textOf(loaded.updates)).toBe('a0;a1;a2;')
    expect((await storage.list()).map((r) => [r.name, r.logCount])).toEqual([['a', 3], ['b', 2]])
    const rows = new Database(path.join(dir, 'ortak.db'), { readonly: true })
    expect(rows.prepare('SELECT room, update_count FROM updates ORDER BY seq').all()).toEqual([
      { room: 'a', update_count: 3 }, { room: 'b', update_count: 2 },
    ])
    rows.close()
  })

  it('keeps what was appended after the compacted sequence number', async () => {
    const storage = storageIn(tempDir())
    const updates = textUpdates(4)
    const [first] = await storage.append([{ room: 'r', update: updates[0]!, generation: 0 }, { room: 'r', update: updates[1]!, generation: 0 }])
    await storage.append([{ room: 'r', update: updates[2]!, generation: 0 }, { room: 'r', update: updates[3]!, generation: 0 }])
    await storage.compact('r', Y.mergeUpdates(updates.slice(0, 2)), first!, 0)
    const loaded = await storage.load('r')
    expect(loaded.logCount).toBe(2)
    expect(loaded.updates).toHaveLength(3)
    expect(textOf(loaded.updates)).toBe('x0;x1;x2;x3;')
    expect((await storage.list())[0]!.logCount).toBe(2)
  })

  it('opens a file written when every row held one update', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'ortak.db')
    const old = new Database(file)
    old.exec(`CREATE TABLE rooms (name TEXT PRIMARY KEY, snapshot BLOB, log_count INTEGER NOT NULL DEFAULT 0,
                log_bytes INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL) STRICT;
              CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL) STRICT;`)
    const updates = textUpdates(5)
    for (const update of updates.slice(0, 3)) old.prepare('INSERT INTO updates (room, data) VALUES (?, ?)').run('r', update)
    old.prepare('INSERT INTO rooms (name, log_count, log_bytes, updated_at) VALUES (?, 3, 0, 0)').run('r')
    old.close()
    const storage = storageIn(dir)
    await storage.append([{ room: 'r', update: updates[3]!, generation: 0 }, { room: 'r', update: updates[4]!, generation: 0 }])
    const loaded = await storage.load('r')
    expect(loaded.logCount).toBe(5)
    expect(textOf(loaded.updates)).toBe('x0;x1;x2;x3;x4;')
  })

  it('opens a file written before rooms had generations, and deletes its rooms for good', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'ortak.db')
    const old = new Database(file)
    old.exec(`CREATE TABLE rooms (name TEXT PRIMARY KEY, snapshot BLOB, log_count INTEGER NOT NULL DEFAULT 0,
                log_bytes INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL) STRICT;
              CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL,
                update_count INTEGER NOT NULL DEFAULT 1) STRICT;`)
    const updates = textUpdates(3)
    old.prepare('INSERT INTO rooms (name, snapshot, log_count, log_bytes, updated_at) VALUES (?, ?, 1, 0, 0)').run('r', Y.mergeUpdates(updates.slice(0, 2)))
    old.prepare('INSERT INTO updates (room, data) VALUES (?, ?)').run('r', updates[2]!)
    old.close()
    const storage = storageIn(dir)
    const loaded = await storage.load('r')
    expect(loaded).toMatchObject({ logCount: 1, generation: 0 })
    expect(textOf(loaded.updates)).toBe('x0;x1;x2;')
    // Files came later still: the file has their tables now.
    const picture = { hash: sha256(png), mediaType: 'image/png', bytes: png }
    await storage.files.putFile('r', picture)
    expect(await storage.files.getFile('r', picture.hash)).toMatchObject({ mediaType: 'image/png' })
    await storage.delete('r')
    await expect(storage.compact('r', Y.mergeUpdates(loaded.updates), loaded.lastSeq, loaded.generation)).rejects.toThrow(RoomDeletedError)
    expect((await storage.load('r')).updates).toEqual([])
    expect(await storage.files.getFile('r', picture.hash)).toBeNull()
  })

  it('gives a compacted log\'s pages back to the file system', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'ortak.db')
    // Long lines typed and deleted again: a log of many pages, a snapshot of almost nothing.
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 1_500; i++) {
      doc.getText('t').insert(0, `line ${i} of text that is typed and then deleted again, filling the log `)
      doc.getText('t').delete(0, doc.getText('t').length)
    }
    const writer = new SqliteStorage({ file })
    for (let i = 0; i < updates.length; i += 100) await writer.append(updates.slice(i, i + 100).map((update) => ({ room: 'r', update, generation: 0 })))
    await writer.close()
    const before = fs.statSync(file).size

    const storage = new SqliteStorage({ file })
    const { lastSeq, generation } = await storage.load('r')
    const snapshot = Y.encodeStateAsUpdate(doc)
    await storage.compact('r', snapshot, lastSeq, generation)
    await storage.close()
    const after = fs.statSync(file).size
    expect(before).toBeGreaterThan(100 * 1024)
    expect(after).toBeLessThan(before / 4)
  })
})

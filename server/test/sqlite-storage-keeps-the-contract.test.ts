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
    // Numbers count within a room: each room's first row is its number 1.
    expect([seqs[0], seqs[1]]).toEqual([1, 1])
    const loaded = await storage.load('a')
    expect(loaded.updates.map((u) => Buffer.from(u))).toEqual(a.map((u) => Buffer.from(u)))
    expect(loaded).toMatchObject({ lastSeq: seqs[0], logCount: 3 })
    expect(textOf(loaded.updates)).toBe('a0;a1;a2;')
    expect((await storage.list()).map((r) => [r.name, r.logCount])).toEqual([['a', 3], ['b', 2]])
    const rows = new Database(path.join(dir, 'ortak.db'), { readonly: true })
    expect(rows.prepare('SELECT room, update_count FROM updates ORDER BY room').all()).toEqual([
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

  it('never gives a room a sequence number twice, after a compaction or a delete emptied its log', async () => {
    const storage = storageIn(tempDir())
    const updates = textUpdates(6)
    const append = (update: Uint8Array, generation = 0) => storage.append([{ room: 'r', update, generation }]).then(([seq]) => seq!)
    const first = [await append(updates[0]!), await append(updates[1]!)]
    expect(first).toEqual([1, 2])
    await storage.compact('r', Y.mergeUpdates(updates.slice(0, 2)), 2, 0)
    expect((await storage.load('r')).logCount).toBe(0)
    const afterCompaction = await append(updates[2]!)
    expect(afterCompaction).toBe(3)
    const afterMore = await append(updates[3]!)
    const generation = await storage.delete('r')
    const afterDelete = await append(updates[4]!, generation)
    expect([afterMore, afterDelete]).toEqual([4, 5])
    expect(await storage.load('r')).toMatchObject({ lastSeq: 5, logCount: 1, generation })
  })

  it('moves a file of the first layout to the room-keyed log, keeping every update and every number used', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'ortak.db')
    const old = new Database(file)
    old.exec(`CREATE TABLE rooms (name TEXT PRIMARY KEY, snapshot BLOB, log_count INTEGER NOT NULL DEFAULT 0,
                log_bytes INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0) STRICT;
              CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL,
                update_count INTEGER NOT NULL DEFAULT 1) STRICT;
              CREATE INDEX updates_by_room ON updates (room, seq);`)
    const a = textUpdates(4, 'a')
    const b = textUpdates(2, 'b')
    const insert = old.prepare('INSERT INTO updates (room, data) VALUES (?, ?)')
    insert.run('a', a[0]!)
    insert.run('b', b[0]!)
    insert.run('a', a[1]!)
    insert.run('gone', b[1]!)
    // 'gone' was compacted away to nothing: its number 4 was the counter's last.
    old.exec("DELETE FROM updates WHERE room = 'gone'")
    old.prepare('INSERT INTO rooms (name, log_count, log_bytes, updated_at) VALUES (?, ?, 0, 7)').run('a', 2)
    old.prepare('INSERT INTO rooms (name, log_count, log_bytes, updated_at) VALUES (?, ?, 0, 7)').run('b', 1)
    old.prepare('INSERT INTO rooms (name, snapshot, log_count, log_bytes, updated_at) VALUES (?, ?, 0, 0, 7)').run('gone', Y.mergeUpdates(b))
    old.close()

    const storage = storageIn(dir)
    const loadedA = await storage.load('a')
    expect(loadedA).toMatchObject({ lastSeq: 3, logCount: 2 })
    expect(textOf(loadedA.updates)).toBe('a0;a1;')
    expect(textOf((await storage.load('b')).updates)).toBe('b0;')
    expect(textOf((await storage.load('gone')).updates)).toBe('b0;b1;')
    const [next] = await storage.append([{ room: 'a', update: a[2]!, generation: 0 }])
    const [nextOfGone] = await storage.append([{ room: 'gone', update: textUpdates(1, 'c')[0]!, generation: 0 }])
    expect([next, nextOfGone]).toEqual([5, 5])
    expect((await storage.list()).map((r) => [r.name, r.logCount])).toEqual([['a', 3], ['b', 1], ['gone', 1]])
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
    // Long lines typed and deleted again: a log of many pages (far more than the empty tables take), a snapshot of almost nothing.
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 3_000; i++) {
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

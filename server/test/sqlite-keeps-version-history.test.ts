import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { tempDir } from './helpers.js'
import { textUpdate } from './security-helpers.js'
import { itKeepsIncrementsReadable, itKeepsVersions, type VersionedStorage } from './version-store-contract.js'

describe('SQLite version history', () => {
  const open: SqliteStorage[] = []
  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close()
  })
  const storageIn = (file: string) => {
    const storage = new SqliteStorage({ file })
    open.push(storage)
    return storage
  }

  itKeepsVersions(async () => storageIn(path.join(tempDir(), 'ortak.db')))

  const files = new Map<VersionedStorage, string>()
  const fresh = () => {
    const file = path.join(tempDir(), 'ortak.db')
    const storage = storageIn(file)
    files.set(storage, file)
    return storage
  }
  itKeepsIncrementsReadable(async () => fresh(), {
    async withRowsOfTheReleaseBefore(room, versions) {
      const file = path.join(tempDir(), 'ortak.db')
      await storageIn(file).close()
      // The file as the release before left it: layout 1, its versions table without the format column.
      const old = new Database(file)
      old.exec('ALTER TABLE versions DROP COLUMN increment_format')
      old.pragma('user_version = 1')
      const insert = old.prepare(`INSERT INTO versions (room, kind, created_at, name, saved_by, authors, clients, restored_from, document_bytes, increment)
        VALUES (?, ?, ?, NULL, NULL, ?, ?, NULL, ?, ?)`)
      let id = 0
      for (const v of versions) {
        id = Number(insert.run(room, v.kind, v.createdAt, JSON.stringify(v.authors), JSON.stringify(v.clients), v.documentBytes, v.increment).lastInsertRowid)
      }
      old.prepare('INSERT INTO version_heads (room, version_id, snapshot) VALUES (?, ?, ?)').run(room, id, versions.at(-1)!.snapshot)
      old.close()
      const storage = storageIn(file)
      files.set(storage, file)
      return storage
    },
    async damage(storage, room, id, damage) {
      // A second connection to the file, as another process (or the disk) would write it.
      const other = new Database(files.get(storage)!)
      const { increment } = other.prepare<[string, number], { increment: Buffer }>('SELECT increment FROM versions WHERE room = ? AND id = ?').get(room, id)!
      other.prepare('UPDATE versions SET increment = ? WHERE room = ? AND id = ?').run(damage(increment), room, id)
      other.close()
    },
  })

  it('refuses a file written by a newer Ortak, naming its layout, and leaves it as it was', async () => {
    const file = path.join(tempDir(), 'ortak.db')
    await storageIn(file).close()
    const newer = new Database(file)
    newer.pragma('journal_mode = DELETE')
    newer.pragma('user_version = 3')
    newer.close()
    const before = fs.readFileSync(file)
    expect(() => new SqliteStorage({ file })).toThrow(/written by a newer Ortak \(file layout 3, this one knows up to 2\)/)
    // Not switched to a write-ahead log, and no connection left open on it (an open one keeps its shared-memory file).
    expect(fs.readFileSync(file)).toEqual(before)
    expect(fs.existsSync(`${file}-shm`)).toBe(false)
  })

  it('adds the version tables to a file written before history existed, keeping its documents', async () => {
    const file = path.join(tempDir(), 'ortak.db')
    const old = new Database(file)
    old.exec(`CREATE TABLE rooms (name TEXT PRIMARY KEY, snapshot BLOB, log_count INTEGER NOT NULL DEFAULT 0,
      log_bytes INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0) STRICT;
      CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL, update_count INTEGER NOT NULL DEFAULT 1) STRICT;`)
    old.prepare('INSERT INTO rooms (name, snapshot, updated_at) VALUES (?, ?, ?)').run('old', textUpdate('kept'), Date.now())
    old.close()
    const storage = storageIn(file)
    expect((await storage.load('old')).updates).toHaveLength(1)
    expect(await storage.versions.list('old', 10)).toEqual({ versions: [], next: null })
  })
})

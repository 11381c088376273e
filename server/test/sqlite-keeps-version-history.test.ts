import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { tempDir } from './helpers.js'
import { textUpdate } from './security-helpers.js'
import { itKeepsVersions } from './version-store-contract.js'

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

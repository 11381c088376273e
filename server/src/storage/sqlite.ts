/**
 * The embedded default: one SQLite file in WAL mode. better-sqlite3 is
 * synchronous, so a committed append is on disk (in the WAL) before the
 * promise resolves and before anything is broadcast; with
 * `synchronous=NORMAL` a commit survives the process being killed, with
 * `FULL` it also survives power loss.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { AppendEntry, LoadedRoom, Storage, StoredRoomInfo } from './storage.js'
import { StorageError } from './storage.js'

export interface SqliteStorageOptions {
  file: string
  synchronous?: 'normal' | 'full'
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  name TEXT PRIMARY KEY,
  snapshot BLOB,
  log_count INTEGER NOT NULL DEFAULT 0,
  log_bytes INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS updates_by_room ON updates (room, seq);
`

export class SqliteStorage implements Storage {
  private readonly db: Database.Database
  private readonly statements
  private readonly appendAll: (entries: readonly AppendEntry[]) => number[]
  private readonly compactRoom: (room: string, snapshot: Uint8Array, throughSeq: number) => void
  private readonly deleteRoom: (room: string) => void

  constructor(options: SqliteStorageOptions) {
    fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true })
    this.db = new Database(options.file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    this.db.exec(SCHEMA)
    const db = this.db
    this.statements = {
      insertUpdate: db.prepare<[string, Uint8Array]>('INSERT INTO updates (room, data) VALUES (?, ?)'),
      touchRoom: db.prepare<[{ room: string; count: number; bytes: number; now: number }]>(
        `INSERT INTO rooms (name, log_count, log_bytes, updated_at) VALUES (@room, @count, @bytes, @now)
         ON CONFLICT (name) DO UPDATE SET log_count = log_count + @count, log_bytes = log_bytes + @bytes, updated_at = @now`),
      snapshot: db.prepare<[string], { snapshot: Buffer | null }>('SELECT snapshot FROM rooms WHERE name = ?'),
      log: db.prepare<[string], { seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE room = ? ORDER BY seq'),
      deleteLogThrough: db.prepare<[string, number]>('DELETE FROM updates WHERE room = ? AND seq <= ?'),
      logTotals: db.prepare<[string], { n: number; bytes: number | null }>(
        'SELECT count(*) AS n, sum(length(data)) AS bytes FROM updates WHERE room = ?'),
      writeSnapshot: db.prepare<[{ room: string; snapshot: Uint8Array; count: number; bytes: number; now: number }]>(
        `INSERT INTO rooms (name, snapshot, log_count, log_bytes, updated_at) VALUES (@room, @snapshot, @count, @bytes, @now)
         ON CONFLICT (name) DO UPDATE SET snapshot = @snapshot, log_count = @count, log_bytes = @bytes, updated_at = @now`),
      list: db.prepare<[], { name: string; bytes: number; log_count: number; updated_at: number }>(
        'SELECT name, coalesce(length(snapshot), 0) + log_bytes AS bytes, log_count, updated_at FROM rooms ORDER BY name'),
      deleteRoomRow: db.prepare<[string]>('DELETE FROM rooms WHERE name = ?'),
      deleteRoomLog: db.prepare<[string]>('DELETE FROM updates WHERE room = ?'),
    }
    const s = this.statements
    this.appendAll = db.transaction((entries: readonly AppendEntry[]) => {
      const seqs = new Array<number>(entries.length)
      const perRoom = new Map<string, { count: number; bytes: number }>()
      for (let i = 0; i < entries.length; i++) {
        const { room, update } = entries[i]!
        seqs[i] = Number(s.insertUpdate.run(room, update).lastInsertRowid)
        const totals = perRoom.get(room)
        if (totals) {
          totals.count++
          totals.bytes += update.byteLength
        } else perRoom.set(room, { count: 1, bytes: update.byteLength })
      }
      const now = Date.now()
      for (const [room, totals] of perRoom) s.touchRoom.run({ room, ...totals, now })
      return seqs
    })
    this.compactRoom = db.transaction((room: string, snapshot: Uint8Array, throughSeq: number) => {
      s.deleteLogThrough.run(room, throughSeq)
      const rest = s.logTotals.get(room)!
      s.writeSnapshot.run({ room, snapshot, count: rest.n, bytes: rest.bytes ?? 0, now: Date.now() })
    })
    this.deleteRoom = db.transaction((room: string) => {
      s.deleteRoomLog.run(room)
      s.deleteRoomRow.run(room)
    })
  }

  async load(room: string): Promise<LoadedRoom> {
    return this.guard('load', room, () => {
      const updates: Uint8Array[] = []
      const snapshot = this.statements.snapshot.get(room)?.snapshot
      if (snapshot) updates.push(snapshot)
      let lastSeq = 0
      let logBytes = 0
      let logCount = 0
      for (const row of this.statements.log.iterate(room)) {
        updates.push(row.data)
        lastSeq = row.seq
        logBytes += row.data.byteLength
        logCount++
      }
      return { updates, lastSeq, logCount, logBytes }
    })
  }

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    return this.guard('append', entries[0]?.room ?? '', () => this.appendAll(entries))
  }

  async compact(room: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.guard('compact', room, () => this.compactRoom(room, snapshot, throughSeq))
  }

  async list(): Promise<StoredRoomInfo[]> {
    return this.guard('list', '', () =>
      this.statements.list.all().map((row) => ({
        name: row.name, bytes: row.bytes, logCount: row.log_count, updatedAt: row.updated_at,
      })))
  }

  async delete(room: string): Promise<void> {
    this.guard('delete', room, () => this.deleteRoom(room))
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  private guard<T>(operation: string, room: string, run: () => T): T {
    try {
      return run()
    } catch (error) {
      const where = room ? ` of room "${room}"` : ''
      throw new StorageError(`SQLite ${operation}${where} failed: ${(error as Error).message}`, { cause: error })
    }
  }
}

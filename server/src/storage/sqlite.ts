/**
 * The embedded default: one SQLite file in WAL mode. better-sqlite3 is
 * synchronous, so a committed append is on disk (in the WAL) before the
 * promise resolves and before anything is broadcast; with
 * `synchronous=NORMAL` a commit survives the process being killed, with
 * `FULL` it also survives power loss.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type DatabaseConstructor from 'better-sqlite3'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Logger } from 'pino'
import type { AppendEntry, LoadedRoom, Storage, StoredRoomInfo } from './storage.js'
import { RoomDeletedError, StorageError } from './storage.js'
import { SqliteFileStore } from './sqlite-files.js'
import { WalCheckpointer } from './wal-checkpointer.js'
import { SqliteVersionStore } from './sqlite-versions.js'

// Required, not imported: an ES import of a CommonJS package has Node parse it and every file it re-exports
// for their export names (cjs-module-lexer) before the first line runs, a cost every start paid.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseConstructor

export interface SqliteStorageOptions {
  file: string
  synchronous?: 'normal' | 'full'
  /** Where a failed background checkpoint is reported; a process warning without it. */
  log?: Logger
}

// A deleted room keeps its row, emptied, as a tombstone holding its generation.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  name TEXT PRIMARY KEY,
  snapshot BLOB,
  log_count INTEGER NOT NULL DEFAULT 0,
  log_bytes INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  data BLOB NOT NULL,
  update_count INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX IF NOT EXISTS updates_by_room ON updates (room, seq);
`

/** Columns added since the first files were written: a file that lacks one gets it, with its default. */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; definition: string }> = [
  // Before log rows held several updates.
  { table: 'updates', column: 'update_count', definition: 'INTEGER NOT NULL DEFAULT 1' },
  // Before rooms had generations: every room is then at its first.
  { table: 'rooms', column: 'generation', definition: 'INTEGER NOT NULL DEFAULT 0' },
]

/**
 * A row of the log holds every update one room appended in one write
 * batch: one update as is, several as [varUint length][update] each. A row
 * per update cost an insert (and an index entry) per keystroke, the larger
 * part of a write's time and of the file's size.
 */
function joinUpdates(updates: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder()
  for (const update of updates) encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

function splitUpdates(row: Uint8Array, count: number, into: Uint8Array[]): void {
  const decoder = decoding.createDecoder(row)
  for (let i = 0; i < count; i++) into.push(decoding.readVarUint8Array(decoder))
  if (decoding.hasContent(decoder)) throw new Error(`a log row of ${count} updates has ${row.byteLength - decoder.pos} bytes left over`)
}

// Free pages are given back to the file system after a compaction once they are more than 16 (64 KiB) and this share of the file.
const VACUUM_FREE_SHARE = 0.25

export class SqliteStorage implements Storage {
  readonly files: SqliteFileStore
  private readonly db: DatabaseConstructor.Database
  private readonly checkpointer: WalCheckpointer
  private readonly statements
  private readonly appendAll: (entries: readonly AppendEntry[]) => number[]
  private readonly compactRoom: (room: string, snapshot: Uint8Array, throughSeq: number, generation: number) => void
  private readonly deleteRoom: (room: string) => number
  /** The rooms' version history, in the same file (sqlite-versions.ts). */
  readonly versions: SqliteVersionStore

  constructor(options: SqliteStorageOptions) {
    fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true })
    this.db = new Database(options.file)
    // Takes effect for a new file only (before its first table): a compacted log's pages can then be
    // handed back, so a document's file shrinks to about its snapshot instead of its largest log.
    this.db.pragma('auto_vacuum = INCREMENTAL')
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    // Checkpoints run in a worker, off the thread that serves clients; see WalCheckpointer.
    this.db.pragma('wal_autocheckpoint = 0')
    this.checkpointer = new WalCheckpointer(options.file, (problem) => {
      const message = 'SQLite checkpoint failed: the write-ahead log grows until one succeeds; nothing stored is lost'
      if (options.log) options.log.warn({ file: options.file, problem }, message)
      else process.emitWarning(`${message} (${options.file}: ${problem})`)
    })
    this.db.exec(SCHEMA)
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const columns = this.db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table)
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`)
    }
    this.files = new SqliteFileStore(this.db)
    const db = this.db
    this.versions = new SqliteVersionStore(db, () => this.checkpointer.start())
    this.statements = {
      insertUpdates: db.prepare<[string, Uint8Array, number]>('INSERT INTO updates (room, data, update_count) VALUES (?, ?, ?)'),
      touchRoom: db.prepare<[{ room: string; count: number; bytes: number; now: number }]>(
        `INSERT INTO rooms (name, log_count, log_bytes, updated_at) VALUES (@room, @count, @bytes, @now)
         ON CONFLICT (name) DO UPDATE SET log_count = log_count + @count, log_bytes = log_bytes + @bytes, updated_at = @now`),
      snapshot: db.prepare<[string], { snapshot: Buffer | null; generation: number }>('SELECT snapshot, generation FROM rooms WHERE name = ?'),
      generation: db.prepare<[string], { generation: number }>('SELECT generation FROM rooms WHERE name = ?'),
      log: db.prepare<[string], { seq: number; data: Buffer; update_count: number }>('SELECT seq, data, update_count FROM updates WHERE room = ? ORDER BY seq'),
      deleteLogThrough: db.prepare<[string, number]>('DELETE FROM updates WHERE room = ? AND seq <= ?'),
      logTotals: db.prepare<[string], { n: number; bytes: number | null }>(
        'SELECT coalesce(sum(update_count), 0) AS n, sum(length(data)) AS bytes FROM updates WHERE room = ?'),
      writeSnapshot: db.prepare<[{ room: string; snapshot: Uint8Array; count: number; bytes: number; now: number }]>(
        `INSERT INTO rooms (name, snapshot, log_count, log_bytes, updated_at) VALUES (@room, @snapshot, @count, @bytes, @now)
         ON CONFLICT (name) DO UPDATE SET snapshot = @snapshot, log_count = @count, log_bytes = @bytes, updated_at = @now`),
      list: db.prepare<[], { name: string; bytes: number; log_count: number; updated_at: number }>(
        `SELECT name, coalesce(length(snapshot), 0) + log_bytes AS bytes, log_count, updated_at FROM rooms
         WHERE snapshot IS NOT NULL OR log_count > 0 ORDER BY name`),
      markDeleted: db.prepare<[{ room: string; now: number }], { generation: number }>(
        `INSERT INTO rooms (name, updated_at, generation) VALUES (@room, @now, 1)
         ON CONFLICT (name) DO UPDATE SET snapshot = NULL, log_count = 0, log_bytes = 0, updated_at = @now, generation = generation + 1
         RETURNING generation`),
      deleteRoomLog: db.prepare<[string]>('DELETE FROM updates WHERE room = ?'),
    }
    const s = this.statements
    const generationOf = (room: string) => s.generation.get(room)?.generation ?? 0
    this.appendAll = db.transaction((entries: readonly AppendEntry[]) => {
      // One row per room: every update of a room in this batch shares the row's sequence number.
      const byRoom = new Map<string, number[]>()
      for (let i = 0; i < entries.length; i++) {
        const indexes = byRoom.get(entries[i]!.room)
        if (indexes) indexes.push(i)
        else byRoom.set(entries[i]!.room, [i])
      }
      const refused = new Map<string, number>()
      for (const [room, indexes] of byRoom) {
        const generation = generationOf(room)
        if (indexes.some((i) => entries[i]!.generation !== generation)) refused.set(room, generation)
      }
      if (refused.size > 0) throw new RoomDeletedError(refused)
      const seqs = new Array<number>(entries.length)
      const now = Date.now()
      for (const [room, indexes] of byRoom) {
        const updates = indexes.map((i) => entries[i]!.update)
        const data = updates.length === 1 ? updates[0]! : joinUpdates(updates)
        const seq = Number(s.insertUpdates.run(room, data, updates.length).lastInsertRowid)
        for (const i of indexes) seqs[i] = seq
        s.touchRoom.run({ room, count: updates.length, bytes: data.byteLength, now })
      }
      return seqs
    })
    this.compactRoom = db.transaction((room: string, snapshot: Uint8Array, throughSeq: number, generation: number) => {
      const current = generationOf(room)
      if (current !== generation) throw new RoomDeletedError(new Map([[room, current]]))
      s.deleteLogThrough.run(room, throughSeq)
      const rest = s.logTotals.get(room)!
      s.writeSnapshot.run({ room, snapshot, count: rest.n, bytes: rest.bytes ?? 0, now: Date.now() })
    })
    this.deleteRoom = db.transaction((room: string) => {
      s.deleteRoomLog.run(room)
      this.versions.deleteRoom(room)
      this.files.deleteRoomFiles(room)
      return s.markDeleted.get({ room, now: Date.now() })!.generation
    })
  }

  async load(room: string): Promise<LoadedRoom> {
    return this.guard('load', room, () => {
      const updates: Uint8Array[] = []
      const stored = this.statements.snapshot.get(room)
      if (stored?.snapshot) updates.push(stored.snapshot)
      let lastSeq = 0
      let logBytes = 0
      let logCount = 0
      for (const row of this.statements.log.iterate(room)) {
        if (row.update_count === 1) updates.push(row.data)
        else splitUpdates(row.data, row.update_count, updates)
        lastSeq = row.seq
        logBytes += row.data.byteLength
        logCount += row.update_count
      }
      return { updates, lastSeq, logCount, logBytes, generation: stored?.generation ?? 0 }
    })
  }

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    return this.guardWrite('append', entries[0]?.room ?? '', () => this.appendAll(entries))
  }

  async compact(room: string, snapshot: Uint8Array, throughSeq: number, generation: number): Promise<void> {
    this.guardWrite('compact', room, () => {
      this.compactRoom(room, snapshot, throughSeq, generation)
      const pages = this.db.pragma('page_count', { simple: true }) as number
      const free = this.db.pragma('freelist_count', { simple: true }) as number
      if (free > 16 && free > pages * VACUUM_FREE_SHARE) this.db.pragma('incremental_vacuum')
    })
  }

  async list(): Promise<StoredRoomInfo[]> {
    return this.guard('list', '', () =>
      this.statements.list.all().map((row) => ({
        name: row.name, bytes: row.bytes, logCount: row.log_count, updatedAt: row.updated_at,
      })))
  }

  async delete(room: string): Promise<number> {
    return this.guardWrite('delete', room, () => this.deleteRoom(room))
  }

  async close(): Promise<void> {
    await this.checkpointer.destroy()
    if (this.db.open) this.db.close()
  }

  /** A write grows the write-ahead log, so the worker that checkpoints it must be running. */
  private guardWrite<T>(operation: string, room: string, run: () => T): T {
    this.checkpointer.start()
    return this.guard(operation, room, run)
  }

  private guard<T>(operation: string, room: string, run: () => T): T {
    try {
      return run()
    } catch (error) {
      if (error instanceof RoomDeletedError) throw error
      const where = room ? ` of room "${room}"` : ''
      throw new StorageError(`SQLite ${operation}${where} failed: ${(error as Error).message}`, { cause: error })
    }
  }
}

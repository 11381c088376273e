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
import { SqliteVersionStore, addIncrementFormatColumn } from './sqlite-versions.js'

// Required, not imported: an ES import of a CommonJS package has Node parse it and every file it re-exports
// for their export names (cjs-module-lexer) before the first line runs, a cost every start paid.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseConstructor

export interface SqliteStorageOptions {
  file: string
  synchronous?: 'normal' | 'full'
  /** Where a failed background checkpoint is reported; a process warning without it. */
  log?: Logger
}

/**
 * The file's layout, as `PRAGMA user_version`. Layout 0 (the first files) had a global AUTOINCREMENT
 * sequence and a per-room counter row updated by every append; layout 1 keys the log by room and
 * sequence number, so an append writes one b-tree page, not four (see migrateToLayout1); layout 2
 * stores version increments compressed, each row saying how (stored-increment.ts), which an Ortak
 * that knows only layout 1 would misread, so it refuses the file instead.
 */
const LAYOUT = 2

// A deleted room keeps its row, emptied, as a tombstone holding its generation.
// A room's sequence numbers are above `seq_floor` and above every number in its log: compaction and delete,
// which empty the log, raise the floor to the last number they removed, so no number is ever used twice.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  name TEXT PRIMARY KEY,
  snapshot BLOB,
  updated_at INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0,
  seq_floor INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS updates (
  room TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  update_count INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;
`

/** Columns layout 0 gained over time: a file that lacks one gets it, with its default, before it moves to layout 1. */
const LAYOUT_0_ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; definition: string }> = [
  // Before log rows held several updates.
  { table: 'updates', column: 'update_count', definition: 'INTEGER NOT NULL DEFAULT 1' },
  // Before rooms had generations: every room is then at its first.
  { table: 'rooms', column: 'generation', definition: 'INTEGER NOT NULL DEFAULT 0' },
]

/**
 * Moves a layout-0 file to layout 1 in one transaction, keeping every stored update with its sequence
 * number. Layout 0's numbers came from one counter shared by all rooms, so they already increase within
 * each room; every room's floor becomes that counter's last value, so no number it ever gave out
 * (to a row since compacted away, or to a deleted room) is given again.
 */
function migrateToLayout1(db: DatabaseConstructor.Database): void {
  const hasTable = (name: string) => db.prepare('SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?').get('table', name) !== undefined
  db.transaction(() => {
    if (hasTable('updates')) {
      for (const { table, column, definition } of LAYOUT_0_ADDED_COLUMNS) {
        const columns = db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table)
        if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`)
      }
      const counter = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'updates'").get()?.seq ?? 0
      db.exec(`
        ALTER TABLE updates RENAME TO updates_layout_0;
        ALTER TABLE rooms RENAME TO rooms_layout_0;
        DROP INDEX IF EXISTS updates_by_room;
        ${SCHEMA}
        INSERT INTO rooms (name, snapshot, updated_at, generation, seq_floor)
          SELECT name, snapshot, updated_at, generation, ${Math.trunc(counter)} FROM rooms_layout_0;
        INSERT INTO updates (room, seq, data, update_count, stored_at)
          SELECT u.room, u.seq, u.data, u.update_count, coalesce(r.updated_at, 0)
          FROM updates_layout_0 u LEFT JOIN rooms_layout_0 r ON r.name = u.room;
        DROP TABLE updates_layout_0;
        DROP TABLE rooms_layout_0;
      `)
    } else {
      db.exec(SCHEMA)
    }
    db.pragma('user_version = 1')
  }).immediate()
}

/** Moves a layout-1 file to layout 2: its version rows gain their format, plain (they are read as they are). */
function migrateToLayout2(db: DatabaseConstructor.Database): void {
  db.transaction(() => {
    addIncrementFormatColumn(db)
    db.pragma('user_version = 2')
  }).immediate()
}

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
    // Read before anything below changes the file or starts its worker: a file this version cannot read is left as it was.
    const layout = this.db.pragma('user_version', { simple: true }) as number
    if (layout > LAYOUT) {
      this.db.close()
      throw new StorageError(`${options.file} was written by a newer Ortak (file layout ${layout}, this one knows up to ${LAYOUT})`)
    }
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
    if (layout < 1) migrateToLayout1(this.db)
    if (layout < 2) migrateToLayout2(this.db)
    this.files = new SqliteFileStore(this.db, (bytes) => this.checkpointer.noteWrite(bytes))
    const db = this.db
    this.versions = new SqliteVersionStore(db, () => this.checkpointer.noteWrite())
    this.statements = {
      insertUpdates: db.prepare<[{ room: string; seq: number; data: Uint8Array; count: number; now: number }]>(
        'INSERT INTO updates (room, seq, data, update_count, stored_at) VALUES (@room, @seq, @data, @count, @now)'),
      head: db.prepare<[string], { generation: number; seq_floor: number }>('SELECT generation, seq_floor FROM rooms WHERE name = ?'),
      // A seek to the end of the room's range of the log's key, not a scan.
      lastLoggedSeq: db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM updates WHERE room = ?'),
      // A room's first write only: later appends leave its row, and the page holding it, alone.
      createRoom: db.prepare<[string, number]>('INSERT INTO rooms (name, updated_at) VALUES (?, ?)'),
      snapshot: db.prepare<[string], { snapshot: Buffer | null; generation: number }>('SELECT snapshot, generation FROM rooms WHERE name = ?'),
      log: db.prepare<[string], { seq: number; data: Buffer; update_count: number }>('SELECT seq, data, update_count FROM updates WHERE room = ? ORDER BY seq'),
      deleteLogThrough: db.prepare<[string, number]>('DELETE FROM updates WHERE room = ? AND seq <= ?'),
      writeSnapshot: db.prepare<[{ room: string; snapshot: Uint8Array; throughSeq: number; now: number }]>(
        `INSERT INTO rooms (name, snapshot, updated_at, seq_floor) VALUES (@room, @snapshot, @now, @throughSeq)
         ON CONFLICT (name) DO UPDATE SET snapshot = @snapshot, updated_at = @now, seq_floor = max(seq_floor, @throughSeq)`),
      list: db.prepare<[], { name: string; bytes: number; log_count: number; updated_at: number }>(
        `SELECT r.name, coalesce(length(r.snapshot), 0) + coalesce(l.bytes, 0) AS bytes, coalesce(l.n, 0) AS log_count,
           max(r.updated_at, coalesce(l.stored_at, 0)) AS updated_at
         FROM rooms r LEFT JOIN (SELECT room, sum(update_count) AS n, sum(length(data)) AS bytes, max(stored_at) AS stored_at
                                 FROM updates GROUP BY room) l ON l.room = r.name
         WHERE r.snapshot IS NOT NULL OR l.n > 0 ORDER BY r.name`),
      markDeleted: db.prepare<[{ room: string; now: number; lastSeq: number }], { generation: number }>(
        `INSERT INTO rooms (name, updated_at, generation, seq_floor) VALUES (@room, @now, 1, @lastSeq)
         ON CONFLICT (name) DO UPDATE SET snapshot = NULL, updated_at = @now, generation = generation + 1, seq_floor = max(seq_floor, @lastSeq)
         RETURNING generation`),
      deleteRoomLog: db.prepare<[string]>('DELETE FROM updates WHERE room = ?'),
    }
    const s = this.statements
    const generationOf = (room: string) => s.head.get(room)?.generation ?? 0
    this.appendAll = db.transaction((entries: readonly AppendEntry[]) => {
      // One row per room: every update of a room in this batch shares the row's sequence number.
      const byRoom = new Map<string, number[]>()
      for (let i = 0; i < entries.length; i++) {
        const indexes = byRoom.get(entries[i]!.room)
        if (indexes) indexes.push(i)
        else byRoom.set(entries[i]!.room, [i])
      }
      const heads = new Map<string, { generation: number; seq_floor: number } | undefined>()
      const refused = new Map<string, number>()
      for (const [room, indexes] of byRoom) {
        const head = s.head.get(room)
        heads.set(room, head)
        const generation = head?.generation ?? 0
        if (indexes.some((i) => entries[i]!.generation !== generation)) refused.set(room, generation)
      }
      if (refused.size > 0) throw new RoomDeletedError(refused)
      const seqs = new Array<number>(entries.length)
      const now = Date.now()
      for (const [room, indexes] of byRoom) {
        const head = heads.get(room)
        if (!head) s.createRoom.run(room, now)
        const seq = Math.max(head?.seq_floor ?? 0, s.lastLoggedSeq.get(room)?.seq ?? 0) + 1
        const updates = indexes.map((i) => entries[i]!.update)
        const data = updates.length === 1 ? updates[0]! : joinUpdates(updates)
        s.insertUpdates.run({ room, seq, data, count: updates.length, now })
        for (const i of indexes) seqs[i] = seq
      }
      return seqs
    })
    this.compactRoom = db.transaction((room: string, snapshot: Uint8Array, throughSeq: number, generation: number) => {
      const current = generationOf(room)
      if (current !== generation) throw new RoomDeletedError(new Map([[room, current]]))
      s.deleteLogThrough.run(room, throughSeq)
      s.writeSnapshot.run({ room, snapshot, throughSeq, now: Date.now() })
    })
    this.deleteRoom = db.transaction((room: string) => {
      const lastSeq = s.lastLoggedSeq.get(room)?.seq ?? 0
      s.deleteRoomLog.run(room)
      this.versions.deleteRoom(room)
      this.files.deleteRoomFiles(room)
      return s.markDeleted.get({ room, now: Date.now(), lastSeq })!.generation
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
    let bytes = 0
    for (const entry of entries) bytes += entry.update.byteLength
    return this.guardWrite('append', entries[0]?.room ?? '', bytes, () => this.appendAll(entries))
  }

  async compact(room: string, snapshot: Uint8Array, throughSeq: number, generation: number): Promise<void> {
    this.guardWrite('compact', room, snapshot.byteLength, () => {
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
    return this.guardWrite('delete', room, 0, () => this.deleteRoom(room))
  }

  async close(): Promise<void> {
    await this.checkpointer.destroy()
    if (this.db.open) this.db.close()
  }

  /** A write grows the write-ahead log (by about `bytes`), which the worker that checkpoints it counts. */
  private guardWrite<T>(operation: string, room: string, bytes: number, run: () => T): T {
    this.checkpointer.noteWrite(bytes)
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

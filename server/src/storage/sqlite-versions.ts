/**
 * The version history of rooms in the SQLite file (see versions.ts): a
 * table of versions and one head row per room, in the same file and the
 * same transactions as the documents they belong to.
 */
import type Database from 'better-sqlite3'
import { RoomDeletedError, StorageError } from './storage.js'
import { CorruptVersionError, packIncrement, unpackIncrement } from './stored-increment.js'
import {
  mergeAuthorship, type NewVersion, type ThinningStep, type VersionHead, type VersionInfo, type VersionPage, type VersionStore,
} from './versions.js'

// Created if missing, so a file written before history existed gets them on its first open.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  name TEXT,
  saved_by TEXT,
  authors TEXT NOT NULL,
  clients TEXT NOT NULL,
  restored_from INTEGER,
  document_bytes INTEGER NOT NULL,
  increment BLOB NOT NULL,
  increment_format INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS versions_by_room ON versions (room, id);
CREATE TABLE IF NOT EXISTS version_heads (
  room TEXT PRIMARY KEY,
  version_id INTEGER NOT NULL,
  snapshot BLOB NOT NULL
) STRICT;
`

/**
 * Layout 2 of the file (sqlite.ts): a versions table made before gains the
 * column that says how each increment is kept (stored-increment.ts); the
 * rows it holds are plain updates, format 0, and stay as they are.
 */
export function addIncrementFormatColumn(db: Database.Database): void {
  const columns = db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all('versions')
  if (columns.length > 0 && !columns.some((c) => c.name === 'increment_format')) {
    db.exec('ALTER TABLE versions ADD COLUMN increment_format INTEGER NOT NULL DEFAULT 0')
  }
}

interface IncrementRow {
  id: number
  increment: Buffer
  increment_format: number
}

const incrementOf = (room: string, row: IncrementRow): Uint8Array =>
  unpackIncrement({ format: row.increment_format, bytes: row.increment }, room, row.id)

interface VersionRow {
  id: number
  room: string
  kind: string
  created_at: number
  name: string | null
  saved_by: string | null
  authors: string
  clients: string
  restored_from: number | null
  document_bytes: number
  increment_bytes: number
}

const INFO_COLUMNS = 'id, room, kind, created_at, name, saved_by, authors, clients, restored_from, document_bytes, length(increment) AS increment_bytes'

/** A stored row as the API shows it; shared with the PostgreSQL adapter, whose rows have the same columns. */
export function versionFromRow(row: VersionRow): VersionInfo {
  return {
    id: Number(row.id),
    room: row.room,
    kind: row.kind as VersionInfo['kind'],
    createdAt: Number(row.created_at),
    name: row.name,
    savedBy: row.saved_by === null ? null : JSON.parse(row.saved_by) as VersionInfo['savedBy'],
    authors: JSON.parse(row.authors) as VersionInfo['authors'],
    clients: JSON.parse(row.clients) as VersionInfo['clients'],
    restoredFrom: row.restored_from === null ? null : Number(row.restored_from),
    documentBytes: Number(row.document_bytes),
    incrementBytes: Number(row.increment_bytes),
  }
}

export class SqliteVersionStore implements VersionStore {
  private readonly statements

  constructor(
    private readonly db: Database.Database,
    /** Called before each write: it grows the write-ahead log, which the storage's checkpointer then copies. */
    private readonly beforeWrite: () => void,
  ) {
    db.exec(SCHEMA)
    this.statements = {
      generation: db.prepare<[string], { generation: number }>('SELECT generation FROM rooms WHERE name = ?'),
      head: db.prepare<[string], { version_id: number; snapshot: Buffer; created_at: number }>(
        `SELECT version_id, snapshot, created_at FROM version_heads JOIN versions ON versions.id = version_heads.version_id
         WHERE version_heads.room = ?`),
      insert: db.prepare<[Record<string, unknown>]>(
        `INSERT INTO versions (room, kind, created_at, name, saved_by, authors, clients, restored_from, document_bytes, increment, increment_format)
         VALUES (@room, @kind, @createdAt, @name, @savedBy, @authors, @clients, @restoredFrom, @documentBytes, @increment, @incrementFormat)`),
      setHead: db.prepare<[string, number, Uint8Array]>(
        `INSERT INTO version_heads (room, version_id, snapshot) VALUES (?, ?, ?)
         ON CONFLICT (room) DO UPDATE SET version_id = excluded.version_id, snapshot = excluded.snapshot`),
      one: db.prepare<[string, number], VersionRow>(`SELECT ${INFO_COLUMNS} FROM versions WHERE room = ? AND id = ?`),
      page: db.prepare<[string, number, number], VersionRow>(
        `SELECT ${INFO_COLUMNS} FROM versions WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?`),
      increments: db.prepare<[string, number, number], IncrementRow>(
        'SELECT id, increment, increment_format FROM versions WHERE room = ? AND id > ? AND id <= ? ORDER BY id'),
      increment: db.prepare<[string, number], IncrementRow>('SELECT id, increment, increment_format FROM versions WHERE room = ? AND id = ?'),
      update: db.prepare<[Uint8Array, number, string, string, string, number]>(
        'UPDATE versions SET increment = ?, increment_format = ?, authors = ?, clients = ? WHERE room = ? AND id = ?'),
      remove: db.prepare<[string, number]>('DELETE FROM versions WHERE room = ? AND id = ?'),
      removeRoom: db.prepare<[string]>('DELETE FROM versions WHERE room = ?'),
      removeHead: db.prepare<[string]>('DELETE FROM version_heads WHERE room = ?'),
    }
  }

  async record(room: string, generation: number, make: (head: VersionHead | null) => NewVersion | null): Promise<VersionInfo | null> {
    const s = this.statements
    this.beforeWrite()
    return this.guard('record a version', room, this.db.transaction(() => {
      const current = s.generation.get(room)?.generation ?? 0
      if (current !== generation) throw new RoomDeletedError(new Map([[room, current]]))
      const stored = s.head.get(room)
      const version = make(stored ? { id: stored.version_id, snapshot: stored.snapshot, createdAt: stored.created_at } : null)
      if (!version) return null
      const increment = packIncrement(version.increment)
      const id = Number(s.insert.run({
        room, kind: version.kind, createdAt: version.createdAt, name: version.name,
        savedBy: version.savedBy === null ? null : JSON.stringify(version.savedBy),
        authors: JSON.stringify(version.authors), clients: JSON.stringify(version.clients),
        restoredFrom: version.restoredFrom, documentBytes: version.documentBytes,
        increment: increment.bytes, incrementFormat: increment.format,
      }).lastInsertRowid)
      s.setHead.run(room, id, version.snapshot)
      return versionFromRow(s.one.get(room, id)!)
    }))
  }

  async list(room: string, limit: number, before = Number.MAX_SAFE_INTEGER): Promise<VersionPage> {
    return this.guard('list versions', room, () => {
      const rows = this.statements.page.all(room, before, limit + 1)
      const hasMore = rows.length > limit
      const versions = rows.slice(0, limit).map(versionFromRow)
      return { versions, next: hasMore ? versions.at(-1)!.id : null }
    })
  }

  async get(room: string, id: number): Promise<VersionInfo | null> {
    return this.guard('read a version', room, () => {
      const row = this.statements.one.get(room, id)
      return row ? versionFromRow(row) : null
    })
  }

  async increments(room: string, id: number, after = 0): Promise<Uint8Array[] | null> {
    return this.guard('read versions', room, this.db.transaction(() => {
      if (!this.statements.one.get(room, id)) return null
      return this.statements.increments.all(room, after, id).map((row) => incrementOf(room, row))
    }))
  }

  async thin(room: string, steps: readonly ThinningStep[], merge: (earlier: Uint8Array, later: Uint8Array) => Uint8Array): Promise<void> {
    const s = this.statements
    this.beforeWrite()
    this.guard('thin versions', room, this.db.transaction(() => {
      // Oldest first: a version merged into one that is itself removed later travels on with it.
      for (const { remove, into } of [...steps].sort((a, b) => a.remove - b.remove)) {
        const earlier = s.one.get(room, remove)
        const later = s.one.get(room, into)
        if (!earlier || !later || into <= remove) continue
        const merged = packIncrement(merge(incrementOf(room, s.increment.get(room, remove)!), incrementOf(room, s.increment.get(room, into)!)))
        const { authors, clients } = mergeAuthorship(versionFromRow(earlier), versionFromRow(later))
        s.update.run(merged.bytes, merged.format, JSON.stringify(authors), JSON.stringify(clients), room, into)
        s.remove.run(room, remove)
      }
    }))
  }

  /** Deletes every version of the room; called inside the room's delete transaction. */
  deleteRoom(room: string): void {
    this.statements.removeRoom.run(room)
    this.statements.removeHead.run(room)
  }

  private guard<T>(operation: string, room: string, run: () => T): T {
    try {
      return run()
    } catch (error) {
      if (error instanceof RoomDeletedError || error instanceof CorruptVersionError) throw error
      throw new StorageError(`SQLite ${operation} of room "${room}" failed: ${(error as Error).message}`, { cause: error })
    }
  }
}

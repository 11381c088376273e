/**
 * The SQLite part of the file store (file-store.ts): two tables in the
 * documents' database file, created on open when missing, so a file
 * written before files existed gains them.
 */
import type Database from 'better-sqlite3'
import { RoomFilesFullError, type FileStore, type StoredFile } from './file-store.js'
import { StorageError } from './storage.js'

const FILE_TABLES = `
CREATE TABLE IF NOT EXISTS files (
  hash TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS room_files (
  room TEXT NOT NULL,
  hash TEXT NOT NULL REFERENCES files (hash),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (room, hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS room_files_by_hash ON room_files (hash);
`

export class SqliteFileStore implements FileStore {
  private readonly statements
  private readonly storeAndLink: (room: string, file: StoredFile, maxRoomBytes: number) => void
  /** Deletes the room's links, and the files no other room links to. Called inside the transaction deleting the room. */
  readonly deleteRoomFiles: (room: string) => void

  /** `noteWrite` is told of each file written, with its bytes: the log they go into is checkpointed by what it counts (wal-checkpointer.ts). */
  constructor(db: Database.Database, private readonly noteWrite: (bytes: number) => void) {
    db.exec(FILE_TABLES)
    this.statements = {
      insertFile: db.prepare<[string, string, Uint8Array, number]>(
        'INSERT INTO files (hash, media_type, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING'),
      link: db.prepare<[string, string, number]>('INSERT INTO room_files (room, hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      file: db.prepare<[string, string], { media_type: string; data: Buffer }>(
        'SELECT f.media_type, f.data FROM room_files l JOIN files f ON f.hash = l.hash WHERE l.room = ? AND l.hash = ?'),
      anyLink: db.prepare<[string], { found: number }>('SELECT 1 AS found FROM room_files WHERE room = ? LIMIT 1'),
      isLinked: db.prepare<[string, string], { found: number }>('SELECT 1 AS found FROM room_files WHERE room = ? AND hash = ?'),
      // length() of a blob reads its size from the record, not its bytes.
      roomBytes: db.prepare<[string], { bytes: number }>(
        'SELECT coalesce(sum(length(f.data)), 0) AS bytes FROM room_files l JOIN files f ON f.hash = l.hash WHERE l.room = ?'),
      unlinkRoom: db.prepare<[string], { hash: string }>('DELETE FROM room_files WHERE room = ? RETURNING hash'),
      deleteUnlinked: db.prepare<[string, string]>(
        'DELETE FROM files WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM room_files WHERE hash = ?)'),
    }
    const s = this.statements
    this.storeAndLink = db.transaction((room: string, file: StoredFile, maxRoomBytes: number) => {
      if (Number.isFinite(maxRoomBytes) && s.isLinked.get(room, file.hash) === undefined) {
        const held = s.roomBytes.get(room)!.bytes
        if (held + file.bytes.byteLength > maxRoomBytes) throw new RoomFilesFullError(room, held, file.bytes.byteLength, maxRoomBytes)
      }
      const now = Date.now()
      s.insertFile.run(file.hash, file.mediaType, file.bytes, now)
      s.link.run(room, file.hash, now)
    })
    // Nested in the room's delete, better-sqlite3 runs it as a savepoint of that transaction.
    this.deleteRoomFiles = db.transaction((room: string) => {
      for (const { hash } of s.unlinkRoom.all(room)) s.deleteUnlinked.run(hash, hash)
    })
  }

  async putFile(room: string, file: StoredFile, maxRoomBytes = Number.POSITIVE_INFINITY): Promise<void> {
    this.noteWrite(file.bytes.byteLength)
    guard('store a file', room, () => this.storeAndLink(room, file, maxRoomBytes))
  }

  async getFile(room: string, hash: string): Promise<StoredFile | null> {
    const row = guard('read a file', room, () => this.statements.file.get(room, hash))
    return row ? { hash, mediaType: row.media_type, bytes: row.data } : null
  }

  async hasFiles(room: string): Promise<boolean> {
    return guard('look for files', room, () => this.statements.anyLink.get(room) !== undefined)
  }
}

function guard<T>(operation: string, room: string, run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof RoomFilesFullError) throw error
    throw new StorageError(`SQLite could not ${operation} of room "${room}": ${(error as Error).message}`, { cause: error })
  }
}

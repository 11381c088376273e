/**
 * The PostgreSQL part of the file store (file-store.ts). Its tables are
 * created when missing, in the transaction that migrates the schema (under
 * its lock), so a database written before files existed gains them.
 *
 * Several instances upload and delete at once, so a file's row is locked
 * (FOR UPDATE) both by an upload linking to it and by a delete deciding
 * whether anything still links to it: the delete then sees every link
 * committed before it, and an upload whose file was deleted meanwhile
 * stores it again.
 */
import type pg from 'pg'
import { RoomFilesFullError, type FileStore, type StoredFile } from './file-store.js'

/** How PostgresStorage runs work: in a transaction, or alone once the schema is current; either names a failure as a StorageError. */
export interface PostgresRunner {
  transaction<T>(operation: string, room: string, run: (client: pg.PoolClient) => Promise<T>): Promise<T>
  query<R extends pg.QueryResultRow>(operation: string, room: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>>
}

// A delete can take the row from under an upload only once per delete of the file; three tries are plenty.
const MAX_STORE_ATTEMPTS = 3

/** Creates the file tables if they are missing; `client` is in the migration's transaction. */
export async function createFileTables(client: pg.PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS ortak_files (
      hash text PRIMARY KEY,
      media_type text NOT NULL,
      data bytea NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ortak_room_files (
      room text NOT NULL,
      hash text NOT NULL REFERENCES ortak_files (hash),
      created_at bigint NOT NULL,
      PRIMARY KEY (room, hash)
    );
    CREATE INDEX IF NOT EXISTS ortak_room_files_by_hash ON ortak_room_files (hash);
  `)
}

/** Deletes the room's links, and the files no other room links to; `client` is in the transaction deleting the room. */
export async function deleteRoomFiles(client: pg.PoolClient, room: string): Promise<void> {
  const unlinked = await client.query<{ hash: string }>('DELETE FROM ortak_room_files WHERE room = $1 RETURNING hash', [room])
  if (unlinked.rows.length === 0) return
  const hashes = unlinked.rows.map((row) => row.hash).sort()
  // Locked in hash order, as uploads lock theirs: two deletes sharing files wait for each other, never deadlock.
  await client.query('SELECT hash FROM ortak_files WHERE hash = ANY($1::text[]) ORDER BY hash FOR UPDATE', [hashes])
  await client.query(
    'DELETE FROM ortak_files f WHERE hash = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM ortak_room_files l WHERE l.hash = f.hash)', [hashes])
}

/**
 * Throws RoomFilesFullError if linking `file` would take the bytes of the files `room` links to past `maxBytes`.
 * The room's uploads take one lock for the rest of their transaction, on every instance, so two at once cannot
 * both see room for themselves.
 */
async function refuseIfFull(client: pg.PoolClient, room: string, file: StoredFile, maxBytes: number): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('ortak-room-files'), hashtext($1))", [room])
  const linked = await client.query('SELECT 1 FROM ortak_room_files WHERE room = $1 AND hash = $2', [room, file.hash])
  if (linked.rows.length > 0) return
  const { rows } = await client.query<{ bytes: string }>(
    'SELECT coalesce(sum(octet_length(f.data)), 0) AS bytes FROM ortak_room_files l JOIN ortak_files f ON f.hash = l.hash WHERE l.room = $1', [room])
  const held = Number(rows[0]!.bytes)
  if (held + file.bytes.byteLength > maxBytes) throw new RoomFilesFullError(room, held, file.bytes.byteLength, maxBytes)
}

export class PostgresFileStore implements FileStore {
  constructor(private readonly run: PostgresRunner) {}

  async putFile(room: string, file: StoredFile, maxRoomBytes = Number.POSITIVE_INFINITY): Promise<void> {
    await this.run.transaction('store a file', room, async (client) => {
      if (Number.isFinite(maxRoomBytes)) await refuseIfFull(client, room, file, maxRoomBytes)
      for (let attempt = 1; ; attempt++) {
        await client.query('INSERT INTO ortak_files (hash, media_type, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING',
          [file.hash, file.mediaType, file.bytes, Date.now()])
        // Empty only if a delete removed the row between the insert and the lock: then it is stored again.
        const locked = await client.query('SELECT 1 FROM ortak_files WHERE hash = $1 FOR UPDATE', [file.hash])
        if (locked.rows.length > 0) break
        if (attempt === MAX_STORE_ATTEMPTS) throw new Error(`file ${file.hash} was deleted by other rooms' deletes ${attempt} times while being stored`)
      }
      await client.query('INSERT INTO ortak_room_files (room, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [room, file.hash, Date.now()])
    })
  }

  async getFile(room: string, hash: string): Promise<StoredFile | null> {
    const { rows } = await this.run.query<{ media_type: string; data: Buffer }>('read a file', room,
      'SELECT f.media_type, f.data FROM ortak_room_files l JOIN ortak_files f ON f.hash = l.hash WHERE l.room = $1 AND l.hash = $2', [room, hash])
    return rows[0] ? { hash, mediaType: rows[0].media_type, bytes: rows[0].data } : null
  }

  async hasFiles(room: string): Promise<boolean> {
    const { rows } = await this.run.query('look for files', room, 'SELECT 1 FROM ortak_room_files WHERE room = $1 LIMIT 1', [room])
    return rows.length > 0
  }
}

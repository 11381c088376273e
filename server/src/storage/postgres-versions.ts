/**
 * The version history of rooms in PostgreSQL (see versions.ts). Several
 * instances may try to record a version of one room at the same moment
 * (each saw the same burst of editing end): the room's head row, locked
 * for the transaction, makes them take turns, and the one that comes
 * second finds its document already covered by the head and records
 * nothing.
 */
import type pg from 'pg'
import { RoomDeletedError } from './storage.js'
import { versionFromRow } from './sqlite-versions.js'
import { packIncrement, unpackIncrement } from './stored-increment.js'
import {
  mergeAuthorship, type NewVersion, type ThinningStep, type VersionHead, type VersionInfo, type VersionPage, type VersionStore,
} from './versions.js'

/** The schema migration that adds version history (applied by PostgresStorage with its others). */
export const VERSIONS_MIGRATION_SQL = `
  CREATE TABLE ortak_versions (
    id bigserial PRIMARY KEY,
    room text NOT NULL,
    kind text NOT NULL,
    created_at bigint NOT NULL,
    name text,
    saved_by jsonb,
    authors jsonb NOT NULL,
    clients jsonb NOT NULL,
    restored_from bigint,
    document_bytes bigint NOT NULL,
    increment bytea NOT NULL
  );
  CREATE INDEX ortak_versions_by_room ON ortak_versions (room, id);
  CREATE TABLE ortak_version_heads (
    room text PRIMARY KEY,
    version_id bigint NOT NULL,
    snapshot bytea NOT NULL
  );
`

/**
 * The schema migration that has each version row say how its increment is
 * kept (stored-increment.ts): the rows written before are plain updates,
 * format 0, and stay as they are.
 */
export const INCREMENT_FORMAT_MIGRATION_SQL = 'ALTER TABLE ortak_versions ADD COLUMN increment_format smallint NOT NULL DEFAULT 0'

interface IncrementRow {
  // A bigint, which pg gives as text (the listed row's type, which it is read beside, says number).
  id: string | number
  increment: Buffer
  increment_format: number
}

const incrementOf = (room: string, row: IncrementRow): Uint8Array =>
  unpackIncrement({ format: row.increment_format, bytes: row.increment }, room, Number(row.id))

// jsonb comes back parsed: turned back into text so one row reader serves both adapters.
const INFO_COLUMNS = `id, room, kind, created_at, name, saved_by::text AS saved_by, authors::text AS authors, clients::text AS clients,
  restored_from, document_bytes, length(increment) AS increment_bytes`

export type Transaction = <T>(operation: string, room: string, run: (client: pg.PoolClient) => Promise<T>) => Promise<T>

/**
 * Deletes every version of the room; called inside the room's delete
 * transaction. The head row goes first: a version being recorded holds it,
 * so the delete waits for that version and then deletes it too.
 */
export async function deleteVersionsOf(client: pg.PoolClient, room: string): Promise<void> {
  await client.query('DELETE FROM ortak_version_heads WHERE room = $1', [room])
  await client.query('DELETE FROM ortak_versions WHERE room = $1', [room])
}

export class PostgresVersionStore implements VersionStore {
  constructor(private readonly transaction: Transaction) {}

  async record(room: string, generation: number, make: (head: VersionHead | null) => NewVersion | null): Promise<VersionInfo | null> {
    return this.transaction('record a version', room, async (client) => {
      await client.query(
        "INSERT INTO ortak_version_heads (room, version_id, snapshot) VALUES ($1, 0, '\\x') ON CONFLICT (room) DO NOTHING", [room])
      const head = await client.query<{ version_id: string; snapshot: Buffer }>(
        'SELECT version_id, snapshot FROM ortak_version_heads WHERE room = $1 FOR UPDATE', [room])
      // A statement of its own, after the lock: one joined to the locked read would see the version rows as
      // they were before the wait, missing the one another instance recorded meanwhile.
      const newest = await client.query<{ created_at: string }>(
        'SELECT created_at FROM ortak_versions WHERE id = $1', [head.rows[0]?.version_id ?? 0])
      // Read after the head is held: a delete that committed meanwhile shows here.
      const rooms = await client.query<{ generation: string }>('SELECT generation FROM ortak_rooms WHERE name = $1', [room])
      const current = Number(rooms.rows[0]?.generation ?? 0)
      if (current !== generation) throw new RoomDeletedError(new Map([[room, current]]))
      const stored = head.rows[0]
      const version = make(stored && Number(stored.version_id) > 0
        ? { id: Number(stored.version_id), snapshot: stored.snapshot, createdAt: Number(newest.rows[0]?.created_at ?? 0) }
        : null)
      if (!version) return null
      const increment = packIncrement(version.increment)
      const inserted = await client.query<Parameters<typeof versionFromRow>[0]>(
        `INSERT INTO ortak_versions (room, kind, created_at, name, saved_by, authors, clients, restored_from, document_bytes, increment, increment_format)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${INFO_COLUMNS}`,
        [room, version.kind, version.createdAt, version.name, version.savedBy === null ? null : JSON.stringify(version.savedBy),
          JSON.stringify(version.authors), JSON.stringify(version.clients), version.restoredFrom, version.documentBytes,
          increment.bytes, increment.format])
      const info = versionFromRow(inserted.rows[0]!)
      await client.query('UPDATE ortak_version_heads SET version_id = $2, snapshot = $3 WHERE room = $1', [room, info.id, version.snapshot])
      return info
    })
  }

  async list(room: string, limit: number, before = Number.MAX_SAFE_INTEGER): Promise<VersionPage> {
    return this.transaction('list versions', room, async (client) => {
      const { rows } = await client.query<Parameters<typeof versionFromRow>[0]>(
        `SELECT ${INFO_COLUMNS} FROM ortak_versions WHERE room = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [room, before, limit + 1])
      const hasMore = rows.length > limit
      const versions = rows.slice(0, limit).map(versionFromRow)
      return { versions, next: hasMore ? versions.at(-1)!.id : null }
    })
  }

  async get(room: string, id: number): Promise<VersionInfo | null> {
    return this.transaction('read a version', room, async (client) => {
      const { rows } = await client.query<Parameters<typeof versionFromRow>[0]>(
        `SELECT ${INFO_COLUMNS} FROM ortak_versions WHERE room = $1 AND id = $2`, [room, id])
      return rows[0] ? versionFromRow(rows[0]) : null
    })
  }

  async increments(room: string, id: number, after = 0): Promise<Uint8Array[] | null> {
    return this.transaction('read versions', room, async (client) => {
      const { rows } = await client.query<IncrementRow>(
        'SELECT id, increment, increment_format FROM ortak_versions WHERE room = $1 AND id > $3 AND id <= $2 ORDER BY id', [room, id, after])
      if (rows.length === 0 || Number(rows.at(-1)!.id) !== id) return null
      return rows.map((row) => incrementOf(room, row))
    })
  }

  async thin(room: string, steps: readonly ThinningStep[], merge: (earlier: Uint8Array, later: Uint8Array) => Uint8Array): Promise<void> {
    if (steps.length === 0) return
    await this.transaction('thin versions', room, async (client) => {
      // The head held: no version of the room is recorded (nor another thinning made) meanwhile.
      await client.query('SELECT 1 FROM ortak_version_heads WHERE room = $1 FOR UPDATE', [room])
      const read = async (id: number) => (await client.query<Parameters<typeof versionFromRow>[0] & IncrementRow>(
        `SELECT ${INFO_COLUMNS}, increment, increment_format FROM ortak_versions WHERE room = $1 AND id = $2`, [room, id])).rows[0]
      for (const { remove, into } of [...steps].sort((a, b) => a.remove - b.remove)) {
        const earlier = await read(remove)
        const later = await read(into)
        if (!earlier || !later || into <= remove) continue
        const { authors, clients } = mergeAuthorship(versionFromRow(earlier), versionFromRow(later))
        const merged = packIncrement(merge(incrementOf(room, earlier), incrementOf(room, later)))
        await client.query(
          'UPDATE ortak_versions SET increment = $3, increment_format = $4, authors = $5, clients = $6 WHERE room = $1 AND id = $2',
          [room, into, merged.bytes, merged.format, JSON.stringify(authors), JSON.stringify(clients)])
        await client.query('DELETE FROM ortak_versions WHERE room = $1 AND id = $2', [room, remove])
      }
    })
  }
}

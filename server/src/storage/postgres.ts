/**
 * PostgreSQL storage, for several Ortak instances sharing rooms. Same
 * contract as sqlite.ts: a room is a snapshot plus a log of updates, an
 * append batch commits in one transaction before anything of it is
 * broadcast. What differs is that other processes write the same rooms at
 * the same moment, which shapes `load` (one consistent read), `compact`
 * (it merges exactly the rows it deletes) and the generation checks (made
 * on the room's row, locked, in the transaction that writes).
 */
import { createRequire } from 'node:module'
import type pg from 'pg'
import type { Logger } from 'pino'
import * as Y from 'yjs'
import { yDocFromUpdates } from '../documents/replica-doc.js'
import type { AppendEntry, LoadedRoom, Storage, StoredRoomInfo } from './storage.js'
import { RoomDeletedError, StorageError } from './storage.js'
import { INCREMENT_FORMAT_MIGRATION_SQL, PostgresVersionStore, VERSIONS_MIGRATION_SQL, deleteVersionsOf } from './postgres-versions.js'
import { RoomFilesFullError } from './file-store.js'
import { PostgresFileStore, createFileTables, deleteRoomFiles } from './postgres-files.js'

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string
  /** Connections kept by this process. */
  poolSize?: number
  log?: Logger
}

interface Migration {
  version: number
  description: string
  sql: string
}

/**
 * Applied in order, each once, by whichever instance starts first; the
 * others wait on the advisory lock and then find nothing left to do.
 * Append new migrations, never edit an applied one.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'rooms with their snapshot, and the log of updates appended after it',
    sql: `
      CREATE TABLE ortak_rooms (
        name text PRIMARY KEY,
        snapshot bytea,
        log_count bigint NOT NULL DEFAULT 0,
        log_bytes bigint NOT NULL DEFAULT 0,
        updated_at bigint NOT NULL
      );
      CREATE TABLE ortak_updates (
        seq bigserial PRIMARY KEY,
        room text NOT NULL,
        data bytea NOT NULL
      );
      CREATE INDEX ortak_updates_by_room ON ortak_updates (room, seq);
    `,
  },
  {
    version: 2,
    description: 'a generation per room, which a delete advances; a deleted room keeps its row, emptied, as a tombstone',
    sql: 'ALTER TABLE ortak_rooms ADD COLUMN generation bigint NOT NULL DEFAULT 0',
  },
  {
    version: 3,
    description: 'version history: each version as the Yjs update since the one before, and each room\'s newest version (postgres-versions.ts)',
    sql: VERSIONS_MIGRATION_SQL,
  },
  {
    version: 4,
    description: 'version increments stored compressed, each row saying how (stored-increment.ts); the rows before stay plain',
    sql: INCREMENT_FORMAT_MIGRATION_SQL,
  },
]

// Any constant works, as long as every Ortak instance uses the same one: it names "the schema migration".
const MIGRATION_LOCK_KEY = 0x6f7274616b

export class PostgresStorage implements Storage {
  readonly files = new PostgresFileStore({
    transaction: (operation, room, run) => this.transaction(operation, room, run),
    query: async (operation, room, sql, params) => {
      await this.ready(operation, room)
      return this.guard(operation, room, () => this.pool.query(sql, params))
    },
  })
  private readonly pool: pg.Pool
  /** Resolves once the schema is current; every operation waits for it. */
  readonly migrated: Promise<void>
  /** The rooms' version history, in the same database (postgres-versions.ts). */
  readonly versions = new PostgresVersionStore((operation, room, run) => this.transaction(operation, room, run))

  constructor(private readonly options: PostgresStorageOptions) {
    // pg is read when the first PostgresStorage is made: a server on SQLite never loads it.
    this.pool = new (createRequire(import.meta.url)('pg') as typeof pg).Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      // An unreachable database fails an operation within seconds instead of leaving its clients waiting.
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    })
    // An idle connection that breaks (server restart) emits here; unhandled, it would end the process.
    this.pool.on('error', (error) => options.log?.warn({ err: error }, 'PostgreSQL connection lost; the pool reconnects on next use'))
    this.migrated = this.migrate()
    // Callers that never await `migrated` still see the failure through their first operation.
    this.migrated.catch(() => {})
  }

  /** Creates or upgrades the schema, idempotently and safely when several instances start at once. */
  private async migrate(): Promise<void> {
    await this.transaction('migrate schema', '', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
      await client.query(`CREATE TABLE IF NOT EXISTS ortak_schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const { rows } = await client.query<{ version: number }>('SELECT version FROM ortak_schema_migrations')
      const applied = new Set(rows.map((row) => row.version))
      const newest = MIGRATIONS.at(-1)!.version
      const unknown = [...applied].filter((v) => v > newest)
      if (unknown.length > 0) {
        throw new Error(`the database schema is at version ${Math.max(...unknown)}, newer than this Ortak knows (${newest}): upgrade Ortak`)
      }
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue
        await client.query(migration.sql)
        await client.query('INSERT INTO ortak_schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description])
        this.options.log?.info({ version: migration.version, description: migration.description }, 'PostgreSQL schema migrated')
      }
      await createFileTables(client)
    }, false)
  }

  async load(room: string): Promise<LoadedRoom> {
    // One snapshot of the database for both reads: a compaction committing between them would
    // otherwise make us read the old snapshot and the already-shortened log.
    return this.transaction('load', room, async (client) => {
      const header = await client.query<{ snapshot: Buffer | null; generation: string }>('SELECT snapshot, generation FROM ortak_rooms WHERE name = $1', [room])
      const log = await client.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM ortak_updates WHERE room = $1 ORDER BY seq', [room])
      const updates: Uint8Array[] = []
      const stored = header.rows[0]
      if (stored?.snapshot) updates.push(stored.snapshot)
      let logBytes = 0
      for (const row of log.rows) {
        updates.push(row.data)
        logBytes += row.data.byteLength
      }
      const last = log.rows.at(-1)
      return { updates, lastSeq: last ? Number(last.seq) : 0, logCount: log.rows.length, logBytes, generation: Number(stored?.generation ?? 0) }
    }, true, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  }

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    if (entries.length === 0) return []
    return this.transaction('append', entries[0]!.room, async (client) => {
      const inserted = await client.query<{ seq: string }>(
        `INSERT INTO ortak_updates (room, data)
         SELECT room, data FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS batch (room, data, position)
         ORDER BY position
         RETURNING seq`,
        [entries.map((e) => e.room), entries.map((e) => e.update)])
      // Rows are inserted in batch order, so their sequence numbers ascend in that order.
      const seqs = inserted.rows.map((row) => Number(row.seq)).sort((a, b) => a - b)
      const perRoom = new Map<string, { count: number; bytes: number; generation: number; isMixed: boolean }>()
      for (const { room, update, generation } of entries) {
        const totals = perRoom.get(room) ?? { count: 0, bytes: 0, generation, isMixed: false }
        totals.count++
        totals.bytes += update.byteLength
        totals.isMixed ||= totals.generation !== generation
        perRoom.set(room, totals)
      }
      // Rows locked in name order: two instances appending to the same rooms can wait, never deadlock.
      const rooms = [...perRoom.keys()].sort()
      // The counters move only where the room's row (locked by this statement, and read as the last
      // commit left it) has the entries' generation: a delete committed meanwhile makes it refuse.
      const counted = await client.query<{ name: string }>(
        `INSERT INTO ortak_rooms (name, log_count, log_bytes, updated_at, generation)
         SELECT name, count, bytes, $4, generation FROM unnest($1::text[], $2::bigint[], $3::bigint[], $5::bigint[]) AS t (name, count, bytes, generation)
         ON CONFLICT (name) DO UPDATE SET log_count = ortak_rooms.log_count + excluded.log_count,
           log_bytes = ortak_rooms.log_bytes + excluded.log_bytes, updated_at = excluded.updated_at
           WHERE ortak_rooms.generation = excluded.generation
         RETURNING name`,
        [rooms, rooms.map((r) => perRoom.get(r)!.count), rooms.map((r) => perRoom.get(r)!.bytes), Date.now(),
          rooms.map((r) => perRoom.get(r)!.generation)])
      const isCounted = new Set(counted.rows.map((row) => row.name))
      const refused = rooms.filter((r) => !isCounted.has(r) || perRoom.get(r)!.isMixed)
      if (refused.length > 0) {
        const current = await client.query<{ name: string; generation: string }>(
          'SELECT name, generation FROM ortak_rooms WHERE name = ANY($1::text[])', [refused])
        // Thrown inside the transaction: it rolls back, and the update rows inserted above go with it.
        throw new RoomDeletedError(new Map(current.rows.map((row) => [row.name, Number(row.generation)])))
      }
      return seqs
    })
  }

  /**
   * Replaces the snapshot and the logged updates through `throughSeq` by one
   * snapshot. On several instances the caller's document may lack an update
   * another instance stored with a lower seq (it is still on its way through
   * Redis), so the new snapshot is the caller's merged with exactly the rows
   * this transaction deletes. A row whose transaction has not committed yet
   * is invisible to the DELETE and stays in the log: nothing is lost.
   */
  async compact(room: string, snapshot: Uint8Array, throughSeq: number, generation: number): Promise<void> {
    await this.transaction('compact', room, async (client) => {
      await client.query('INSERT INTO ortak_rooms (name, updated_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [room, Date.now()])
      // Serialises compactions of one room across instances, and with its deletion; appends only wait for
      // the counter update. Read under the lock, the generation is the one the last commit left.
      const current = await client.query<{ snapshot: Buffer | null; generation: string }>(
        'SELECT snapshot, generation FROM ortak_rooms WHERE name = $1 FOR UPDATE', [room])
      const stored = Number(current.rows[0]?.generation ?? 0)
      if (stored !== generation) throw new RoomDeletedError(new Map([[room, stored]]))
      const deleted = await client.query<{ seq: string; data: Buffer }>(
        'DELETE FROM ortak_updates WHERE room = $1 AND seq <= $2 RETURNING seq, data', [room, throughSeq])
      const previous = current.rows[0]?.snapshot
      const rows = deleted.rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((row) => row.data)
      // Merged as a room loads them, so the snapshot holds what the rooms served (see documents/replica-doc.ts).
      const merged = yDocFromUpdates([...(previous ? [previous] : []), ...rows, snapshot])
      const next = Y.encodeStateAsUpdate(merged)
      merged.destroy()
      const rest = await client.query<{ n: string; bytes: string }>(
        'SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS bytes FROM ortak_updates WHERE room = $1', [room])
      await client.query('UPDATE ortak_rooms SET snapshot = $2, log_count = $3, log_bytes = $4, updated_at = $5 WHERE name = $1',
        [room, next, Number(rest.rows[0]!.n), Number(rest.rows[0]!.bytes), Date.now()])
    })
  }

  async list(): Promise<StoredRoomInfo[]> {
    await this.ready('list', '')
    const { rows } = await this.guard('list', '', () => this.pool.query<{ name: string; bytes: string; log_count: string; updated_at: string }>(
      `SELECT name, coalesce(length(snapshot), 0) + log_bytes AS bytes, log_count, updated_at FROM ortak_rooms
       WHERE snapshot IS NOT NULL OR log_count > 0 ORDER BY name`))
    return rows.map((row) => ({ name: row.name, bytes: Number(row.bytes), logCount: Number(row.log_count), updatedAt: Number(row.updated_at) }))
  }

  async delete(room: string): Promise<number> {
    return this.transaction('delete', room, async (client) => {
      // The room's row first, as compactions and appends lock it: the delete waits for (or makes wait) them,
      // and the log is then deleted as their commits left it.
      const tombstone = await client.query<{ generation: string }>(
        `INSERT INTO ortak_rooms (name, updated_at, generation) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO UPDATE SET snapshot = NULL, log_count = 0, log_bytes = 0, updated_at = excluded.updated_at,
           generation = ortak_rooms.generation + 1
         RETURNING generation`, [room, Date.now()])
      await client.query('DELETE FROM ortak_updates WHERE room = $1', [room])
      await deleteVersionsOf(client, room)
      await deleteRoomFiles(client, room)
      return Number(tombstone.rows[0]!.generation)
    })
  }

  /** Resolves if the database answers a query; for health checks. */
  async ping(): Promise<void> {
    await this.guard('ping', '', () => this.pool.query('SELECT 1'))
  }

  async close(): Promise<void> {
    await this.migrated.catch(() => {})
    await this.pool.end()
  }

  private async ready(operation: string, room: string): Promise<void> {
    await this.guard(operation, room, () => this.migrated)
  }

  private async transaction<T>(operation: string, room: string, run: (client: pg.PoolClient) => Promise<T>,
    waitForSchema = true, begin = 'BEGIN'): Promise<T> {
    if (waitForSchema) await this.ready(operation, room)
    return this.guard(operation, room, async () => {
      const client = await this.pool.connect()
      let isBroken = false
      try {
        await client.query(begin)
        const result = await run(client)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => { isBroken = true })
        throw error
      } finally {
        // A connection whose rollback failed is in an unknown state: the pool must not hand it out again.
        client.release(isBroken)
      }
    })
  }

  private async guard<T>(operation: string, room: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      if (error instanceof StorageError || error instanceof RoomDeletedError || error instanceof RoomFilesFullError) throw error
      const where = room ? ` of room "${room}"` : ''
      throw new StorageError(`PostgreSQL ${operation}${where} failed: ${(error as Error).message}`, { cause: error })
    }
  }
}

import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PostgresStorage } from '../src/storage/postgres.js'
import { RoomDeletedError, StorageError } from '../src/storage/storage.js'
import { itKeepsDeletedRoomsDeleted } from './deleted-rooms-stay-deleted.js'
import { png, sha256 } from './pictures.js'
import { itKeepsFilesWithTheirRooms } from './room-files-stay-with-their-rooms.js'
import { adminQuery, createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'
import { textUpdate } from './security-helpers.js'

const services = await probeScaleOutServices('postgres-storage-keeps-the-contract', false)

function docOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

// A simple-protocol Query message "COMMIT", as node-postgres sends it: 'Q', int32 length, the text, NUL.
const COMMIT_MESSAGE = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 11]), Buffer.from('COMMIT\0')])

/**
 * A TCP proxy in front of PostgreSQL that, once asked, holds back the next
 * COMMIT a client sends: that client's transaction then stays in flight,
 * its changes made and its locks held, until the test releases it.
 */
class CommitHoldingProxy {
  private isArmed = false
  private onHeld: (() => void) | null = null
  private held: Array<() => void> = []

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(target: URL): Promise<CommitHoldingProxy> {
    let proxy: CommitHoldingProxy | undefined
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname)
      let isHolding = false
      upstream.pipe(client)
      client.on('data', (chunk: Buffer) => {
        const at = proxy!.isArmed ? chunk.indexOf(COMMIT_MESSAGE) : -1
        if (!isHolding && at < 0) return void upstream.write(chunk)
        if (!isHolding) {
          upstream.write(chunk.subarray(0, at))
          chunk = chunk.subarray(at)
          isHolding = true
          proxy!.isArmed = false
          proxy!.onHeld?.()
        }
        const rest = chunk
        proxy!.held.push(() => upstream.write(rest))
      })
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy = new CommitHoldingProxy(server, (server.address() as net.AddressInfo).port)
    return proxy
  }

  /** Resolves once the next COMMIT sent through the proxy is being held. */
  holdNextCommit(): Promise<void> {
    this.isArmed = true
    return new Promise((resolve) => { this.onHeld = resolve })
  }

  /** Sends the held COMMIT on, and whatever followed it; later traffic flows freely. */
  releaseCommit(): void {
    this.onHeld = null
    const held = this.held
    this.held = []
    for (const send of held) send()
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

describe.skipIf(!services.isAvailable)('PostgreSQL storage', () => {
  let db: TestDatabase
  let storage: PostgresStorage
  beforeAll(async () => {
    db = await createTestDatabase()
    storage = new PostgresStorage({ connectionString: db.url })
    await storage.migrated
  })
  afterAll(async () => {
    await storage?.close()
    await db?.drop()
  })

  it('loads an unknown room as empty', async () => {
    expect(await storage.load('nobody-here')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0, generation: 0 })
  })

  it('appends a batch across rooms in one go, with ascending sequence numbers in batch order', async () => {
    const [a1, b1, a2] = [textUpdate('a1'), textUpdate('b1'), textUpdate('a2')]
    const seqs = await storage.append([{ room: 'a', update: a1, generation: 0 }, { room: 'b', update: b1, generation: 0 }, { room: 'a', update: a2, generation: 0 }])
    expect(seqs).toHaveLength(3)
    expect(seqs[0]!).toBeLessThan(seqs[1]!)
    expect(seqs[1]!).toBeLessThan(seqs[2]!)
    const a = await storage.load('a')
    expect(a.updates.map((u) => Buffer.from(u))).toEqual([Buffer.from(a1), Buffer.from(a2)])
    expect(a).toMatchObject({ lastSeq: seqs[2], logCount: 2, logBytes: a1.byteLength + a2.byteLength })
    expect((await storage.load('b')).lastSeq).toBe(seqs[1])
  })

  it('compacts the log through a sequence number into a snapshot, keeping later updates', async () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 5; i++) doc.getArray<number>('n').push([i])
    const seqs = await storage.append(updates.map((update) => ({ room: 'c', update, generation: 0 })))
    await storage.compact('c', Y.encodeStateAsUpdate(docOf(updates.slice(0, 3))), seqs[2]!, 0)
    const loaded = await storage.load('c')
    expect(loaded.logCount).toBe(2)
    expect(loaded.updates).toHaveLength(3)
    expect(docOf(loaded.updates).getArray('n').toArray()).toEqual([0, 1, 2, 3, 4])
    const listed = (await storage.list()).find((r) => r.name === 'c')!
    expect(listed.logCount).toBe(2)
    expect(listed.bytes).toBeGreaterThan(0)
  })

  it('deletes a room with its snapshot and log', async () => {
    await storage.append([{ room: 'doomed', update: textUpdate('x'), generation: 0 }])
    await storage.compact('doomed', textUpdate('x'), Number.MAX_SAFE_INTEGER, 0)
    const generation = await storage.delete('doomed')
    expect(await storage.load('doomed')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0, generation })
    expect((await storage.list()).map((r) => r.name)).not.toContain('doomed')
  })

  itKeepsDeletedRoomsDeleted(() => storage)
  itKeepsFilesWithTheirRooms(() => storage, async () => Number((await adminQuery('SELECT count(*) AS n FROM ortak_files', [], db.name)).rows[0].n))

  it('keeps a room deleted when a compaction of it was in flight as the delete committed', async () => {
    const proxy = await CommitHoldingProxy.start(new URL(db.url))
    const url = new URL(db.url)
    url.host = `127.0.0.1:${proxy.port}`
    const deleter = new PostgresStorage({ connectionString: url.toString(), poolSize: 1 })
    try {
      await deleter.migrated
      const room = 'compacted-while-deleted'
      await storage.append([{ room, update: textUpdate('the deleted document'), generation: 0 }])
      const loaded = await storage.load(room)
      // The delete does its work and stays uncommitted; the compaction starts and waits on it.
      const held = proxy.holdNextCommit()
      const deleting = deleter.delete(room)
      await held
      const compacting = storage.compact(room, Y.mergeUpdates(loaded.updates), loaded.lastSeq, loaded.generation)
        .then(() => 'compacted', (error: unknown) => error)
      await waitForLockWait(db.name)
      proxy.releaseCommit()
      await deleting
      const outcome = await compacting
      expect((await storage.load(room)).updates).toEqual([])
      expect(outcome).toBeInstanceOf(RoomDeletedError)
    } finally {
      proxy.releaseCommit()
      await deleter.close()
      await proxy.close()
    }
  })

  it('upgrades a database written before rooms had generations, keeping its rooms', async () => {
    const fresh = await createTestDatabase()
    try {
      // Schema version 1, as the first release created it.
      await adminQuery(`
        CREATE TABLE ortak_schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE ortak_rooms (name text PRIMARY KEY, snapshot bytea, log_count bigint NOT NULL DEFAULT 0,
          log_bytes bigint NOT NULL DEFAULT 0, updated_at bigint NOT NULL);
        CREATE TABLE ortak_updates (seq bigserial PRIMARY KEY, room text NOT NULL, data bytea NOT NULL);
        CREATE INDEX ortak_updates_by_room ON ortak_updates (room, seq);
        INSERT INTO ortak_schema_migrations (version, description) VALUES (1, 'rooms with their snapshot, and the log of updates appended after it');
      `, [], fresh.name)
      await adminQuery('INSERT INTO ortak_rooms (name, snapshot, log_count, log_bytes, updated_at) VALUES ($1, $2, 1, 1, 0)', ['kept', textUpdate('snapshot')], fresh.name)
      await adminQuery('INSERT INTO ortak_updates (room, data) VALUES ($1, $2)', ['kept', textUpdate('logged')], fresh.name)
      const upgraded = new PostgresStorage({ connectionString: fresh.url })
      try {
        const loaded = await upgraded.load('kept')
        expect(loaded).toMatchObject({ logCount: 1, generation: 0 })
        expect(docOf(loaded.updates).getText('t').length).toBe('snapshot'.length + 'logged'.length)
        // Files came later still: the database has their tables now.
        const picture = { hash: sha256(png), mediaType: 'image/png', bytes: png }
        await upgraded.files.putFile('kept', picture)
        expect(await upgraded.files.getFile('kept', picture.hash)).toMatchObject({ mediaType: 'image/png' })
        await upgraded.delete('kept')
        await expect(upgraded.compact('kept', Y.mergeUpdates(loaded.updates), loaded.lastSeq, loaded.generation)).rejects.toThrow(RoomDeletedError)
        expect((await upgraded.load('kept')).updates).toEqual([])
        expect(await upgraded.files.getFile('kept', picture.hash)).toBeNull()
      } finally {
        await upgraded.close()
      }
      const { rows } = await adminQuery('SELECT version FROM ortak_schema_migrations ORDER BY version', [], fresh.name)
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }])
    } finally {
      await fresh.drop()
    }
  })

  it('creates the schema once when several instances start at the same moment, and again finds nothing to do', async () => {
    const fresh = await createTestDatabase()
    try {
      const starting = Array.from({ length: 4 }, () => new PostgresStorage({ connectionString: fresh.url }))
      await Promise.all(starting.map((s) => s.migrated))
      const later = new PostgresStorage({ connectionString: fresh.url })
      await later.migrated
      await later.append([{ room: 'r', update: textUpdate('works'), generation: 0 }])
      for (const s of [...starting, later]) await s.close()
      const { rows } = await adminQuery('SELECT version FROM ortak_schema_migrations ORDER BY version', [], fresh.name)
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }])
    } finally {
      await fresh.drop()
    }
  })

  it('refuses to start on a schema newer than it knows, naming the versions', async () => {
    const fresh = await createTestDatabase()
    try {
      const first = new PostgresStorage({ connectionString: fresh.url })
      await first.migrated
      await first.close()
      await adminQuery(`INSERT INTO ortak_schema_migrations (version, description) VALUES (99, 'from the future')`, [], fresh.name)
      const old = new PostgresStorage({ connectionString: fresh.url })
      await expect(old.migrated).rejects.toThrow(/schema is at version 99, newer than this Ortak knows \(4\): upgrade Ortak/)
      await expect(old.load('r')).rejects.toThrow(StorageError)
      await old.close()
    } finally {
      await fresh.drop()
    }
  })

  it('fails operations with an error naming the operation and room when the database is unreachable', async () => {
    // Port 9 (discard) has nothing listening on this machine: connections are refused at once.
    const unreachable = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:9/none' })
    await expect(unreachable.migrated).rejects.toThrow(/PostgreSQL migrate schema failed/)
    await expect(unreachable.append([{ room: 'r', update: textUpdate('x'), generation: 0 }])).rejects.toThrow(StorageError)
    await expect(unreachable.ping()).rejects.toThrow(/PostgreSQL ping failed/)
    await unreachable.close()
  })
})

/** Waits until a session of `database` is waiting for a lock held by another transaction. */
async function waitForLockWait(database: string): Promise<void> {
  const deadline = Date.now() + 5_000
  for (;;) {
    const { rows } = await adminQuery("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database])
    if (rows[0].n > 0) return
    if (Date.now() > deadline) throw new Error('timed out waiting for the compaction to wait on the delete\'s lock')
    await new Promise((r) => setTimeout(r, 10))
  }
}

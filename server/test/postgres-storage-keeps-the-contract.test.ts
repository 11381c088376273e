import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PostgresStorage } from '../src/storage/postgres.js'
import { StorageError } from '../src/storage/storage.js'
import { adminQuery, createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('postgres-storage-keeps-the-contract', false)

/** A Yjs update inserting `text` into a fresh document, as a client would send it. */
function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

function docOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
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
    expect(await storage.load('nobody-here')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0 })
  })

  it('appends a batch across rooms in one go, with ascending sequence numbers in batch order', async () => {
    const [a1, b1, a2] = [textUpdate('a1'), textUpdate('b1'), textUpdate('a2')]
    const seqs = await storage.append([{ room: 'a', update: a1 }, { room: 'b', update: b1 }, { room: 'a', update: a2 }])
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
    const seqs = await storage.append(updates.map((update) => ({ room: 'c', update })))
    await storage.compact('c', Y.encodeStateAsUpdate(docOf(updates.slice(0, 3))), seqs[2]!)
    const loaded = await storage.load('c')
    expect(loaded.logCount).toBe(2)
    expect(loaded.updates).toHaveLength(3)
    expect(docOf(loaded.updates).getArray('n').toArray()).toEqual([0, 1, 2, 3, 4])
    const listed = (await storage.list()).find((r) => r.name === 'c')!
    expect(listed.logCount).toBe(2)
    expect(listed.bytes).toBeGreaterThan(0)
  })

  it('deletes a room with its snapshot and log', async () => {
    await storage.append([{ room: 'doomed', update: textUpdate('x') }])
    await storage.compact('doomed', textUpdate('x'), Number.MAX_SAFE_INTEGER)
    await storage.delete('doomed')
    expect(await storage.load('doomed')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0 })
    expect((await storage.list()).map((r) => r.name)).not.toContain('doomed')
  })

  it('creates the schema once when several instances start at the same moment, and again finds nothing to do', async () => {
    const fresh = await createTestDatabase()
    try {
      const starting = Array.from({ length: 4 }, () => new PostgresStorage({ connectionString: fresh.url }))
      await Promise.all(starting.map((s) => s.migrated))
      const later = new PostgresStorage({ connectionString: fresh.url })
      await later.migrated
      await later.append([{ room: 'r', update: textUpdate('works') }])
      for (const s of [...starting, later]) await s.close()
      const { rows } = await adminQuery('SELECT version FROM ortak_schema_migrations ORDER BY version', [], fresh.name)
      expect(rows).toEqual([{ version: 1 }])
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
      await expect(old.migrated).rejects.toThrow(/schema is at version 99, newer than this Ortak knows \(1\): upgrade Ortak/)
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
    await expect(unreachable.append([{ room: 'r', update: textUpdate('x') }])).rejects.toThrow(StorageError)
    await expect(unreachable.ping()).rejects.toThrow(/PostgreSQL ping failed/)
    await unreachable.close()
  })
})

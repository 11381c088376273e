import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import * as Y from 'yjs'
import { PostgresStorage } from '../src/storage/postgres.js'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('compaction-loses-nothing-while-other-instances-append')

/**
 * One writer's view of a room: its own document, which holds only its own
 * writes (as if nobody else's updates had reached it yet), and the items
 * whose append has committed.
 */
class Writer {
  readonly doc = new Y.Doc()
  readonly committed = new Map<string, number>()
  lastSeq = 0
  compactions = 0
  /** Compactions through a seq below which other writers had committed rows this document lacks. */
  racyCompactions = 0

  constructor(readonly name: string, readonly storage: PostgresStorage, readonly room: string) {}

  async write(i: number): Promise<void> {
    const item = `${this.name}-${i}`
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => { update = u }
    this.doc.once('update', capture)
    this.doc.getArray<string>('items').push([item])
    const [seq] = await this.storage.append([{ room: this.room, update: update!, generation: 0 }])
    this.lastSeq = Math.max(this.lastSeq, seq!)
    this.committed.set(item, seq!)
  }

  async compact(others: readonly Writer[]): Promise<void> {
    const throughSeq = this.lastSeq
    if (others.some((other) => [...other.committed.values()].some((seq) => seq < throughSeq))) this.racyCompactions++
    await this.storage.compact(this.room, Y.encodeStateAsUpdate(this.doc), throughSeq, 0)
    this.compactions++
  }
}

const itemsIn = (updates: readonly Uint8Array[]): Set<string> => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  const items = new Set(doc.getArray<string>('items').toArray())
  doc.destroy()
  return items
}

describe.skipIf(!services.isAvailable)('compaction while other instances append to the same room', () => {
  let db: TestDatabase
  const storages: PostgresStorage[] = []
  const servers: TestServer[] = []
  const clients: TestClient[] = []
  const storage = () => {
    const s = new PostgresStorage({ connectionString: db.url, poolSize: 4 })
    storages.push(s)
    return s
  }
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    for (const s of servers) await s.close()
    for (const s of storages) await s.close()
    await db?.drop()
  })

  it('keeps every committed update when two instances append and compact at once', async () => {
    const room = 'race'
    // Two writers per instance, so transactions of both instances, and of each, interleave.
    // Each writer's appends are sequential, as the write batcher makes them.
    const [first, second] = [storage(), storage()]
    const writers = [new Writer('a1', first, room), new Writer('a2', first, room), new Writer('b1', second, room), new Writer('b2', second, room)]
    const committedItems = () => writers.flatMap((w) => [...w.committed.keys()])
    const deadline = Date.now() + 2_500
    let loadsChecked = 0
    const run = async (self: Writer) => {
      const others = writers.filter((w) => w !== self)
      // A few seconds of this, and at least 40 rounds each even on a slow machine.
      for (let i = 0; i < 2_000 && (Date.now() < deadline || i < 40); i++) {
        await self.write(i)
        if (i % 3 === 0) await self.compact(others)
        if (i % 7 === 0) {
          // A load is one consistent read: it holds everything committed before it started,
          // even while compactions move updates from the log into the snapshot.
          const before = committedItems()
          const loaded = itemsIn((await self.storage.load(room)).updates)
          for (const item of before) expect(loaded.has(item), `${item} missing from a load`).toBe(true)
          loadsChecked++
        }
      }
    }
    await Promise.all(writers.map(run))
    const stored = await first.load(room)
    const items = itemsIn(stored.updates)
    const expected = committedItems()
    expect(expected.length).toBeGreaterThan(100)
    expect(expected.filter((item) => !items.has(item))).toEqual([])
    expect(items.size).toBe(expected.length)
    // The test did exercise the dangerous case, many times over.
    expect(writers.reduce((n, w) => n + w.racyCompactions, 0)).toBeGreaterThan(10)
    expect(loadsChecked).toBeGreaterThan(4)
    expect(stored.logCount).toBeLessThan(expected.length)
  }, 60_000)

  it('keeps an update whose transaction is still open while another instance compacts past its seq', async () => {
    const room = 'open-transaction'
    const a = new Writer('a', storage(), room)
    const b = new Writer('b', storage(), room)
    await a.write(0)
    // Hold the counter row of a room that sorts before ours: b's append inserts its update row
    // (taking a seq) and then waits on this lock, its transaction open and uncommitted.
    const blocker = new pg.Client({ connectionString: db.url })
    await blocker.connect()
    await storages[0]!.append([{ room: '0-blocker', update: Y.encodeStateAsUpdate(new Y.Doc()), generation: 0 }])
    await blocker.query('BEGIN')
    await blocker.query(`SELECT 1 FROM ortak_rooms WHERE name = '0-blocker' FOR UPDATE`)
    let update: Uint8Array | null = null
    b.doc.once('update', (u: Uint8Array) => { update = u })
    b.doc.getArray<string>('items').push(['b-open'])
    const bAppend = b.storage.append([{ room, update: update!, generation: 0 }, { room: '0-blocker', update: Y.encodeStateAsUpdate(new Y.Doc()), generation: 0 }])
    await waitFor('b\'s update row to be inserted (uncommitted)', async () => {
      const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM pg_locks WHERE granted = false AND locktype = 'transactionid'`)
      return rows[0].n > 0
    })
    await a.write(1) // a seq above b's
    await a.compact([b]) // through a's seq, which is above b's uncommitted one
    await blocker.query('COMMIT')
    await blocker.end()
    const [bSeq] = await bAppend
    expect(bSeq).toBeLessThan(a.lastSeq)
    const items = itemsIn((await a.storage.load(room)).updates)
    expect([...items].sort()).toEqual(['a-0', 'a-1', 'b-open'])
  })

  it('loses nothing when two server instances compact a room every few updates while clients on both write', async () => {
    const prefix = uniqueRedisPrefix()
    const options = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, compactAfterUpdates: 4 }
    servers.push(await startServer(options), await startServer(options))
    const room = 'server-race'
    const writers = servers.flatMap((s) => [connectClient(s.wsUrl, room), connectClient(s.wsUrl, room)])
    clients.push(...writers)
    await Promise.all(writers.map(synced))
    const deadline = Date.now() + 2_500
    let written = 0
    // The instances take turns: while one appends a burst, the other's write queue has run dry, which is
    // when a room compacts (it does not while its own writes are in flight), so compactions of each run
    // while the other instance appends.
    const rooms = servers.map((s) => s.server.registry.get(room)!)
    for (let round = 0; round < 400 && (Date.now() < deadline || round < 40); round++) {
      const turn = round % 2
      writers.forEach((w, i) => {
        if (Math.floor(i / 2) !== turn) return
        w.doc.getArray<string>('items').push([`${i}-${round}`])
        written++
      })
      await waitFor('the burst to arrive and be stored', () =>
        rooms[turn]!.doc.getArray('items').length >= written && !rooms[turn]!.hasUnstoredWrites, 10_000)
    }
    await waitFor('every client holds every item', () => writers.every((w) => w.doc.getArray('items').length === written), 15_000)
    const compactions = servers.map((s) => s.logs.filter((l) => l.msg === 'room compacted').length)
    expect(compactions.every((n) => n > 2), `compactions per server: ${compactions}`).toBe(true)
    // A third instance reads the room from PostgreSQL alone.
    servers.push(await startServer(options))
    const fresh = connectClient(servers[2]!.wsUrl, room)
    clients.push(fresh)
    await synced(fresh)
    const expected = writers[0]!.doc.getArray<string>('items').toArray()
    expect(new Set(fresh.doc.getArray<string>('items').toArray())).toEqual(new Set(expected))
    expect(expected).toHaveLength(written)
  }, 60_000)
})

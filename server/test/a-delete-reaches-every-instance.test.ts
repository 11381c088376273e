/**
 * With several instances sharing rooms, `DELETE /api/rooms/R` on one of
 * them must leave nothing of R anywhere: every instance closes its clients
 * with 4410 (the provider does not reconnect from it, so it cannot send its
 * copy again), drops its copy without compacting it, and a write arriving
 * late from an instance that missed the deletion is refused instead of
 * storing the old document again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import {
  createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, twoInstancesOnPrivateRedis, uniqueRedisPrefix, type TestDatabase,
} from './scale-services.js'

const services = await probeScaleOutServices('a-delete-reaches-every-instance')

const DELETED = { code: 4410, reason: 'room deleted: its document no longer exists' }

/** The close the client's provider sees first, or 'still connected' if none comes within `ms`. */
function firstClose(client: TestClient, ms = 5_000): Promise<{ code: number; reason: string } | 'still connected'> {
  return new Promise((resolve) => {
    const onClose = (event: CloseEvent | null) => {
      clearTimeout(timer)
      client.provider.off('connection-close', onClose)
      // The provider reports its own destroy() as a close without an event.
      resolve(event ? { code: event.code, reason: event.reason } : 'still connected')
    }
    const timer = setTimeout(() => {
      client.provider.off('connection-close', onClose)
      resolve('still connected')
    }, ms)
    client.provider.on('connection-close', onClose)
  })
}

describe.skipIf(!services.isAvailable)('DELETE with two instances sharing PostgreSQL and Redis', () => {
  let db: TestDatabase
  let a: TestServer
  let b: TestServer
  /** Shares PostgreSQL with a and b but listens on other Redis channels: it hears nothing they publish. */
  let deaf: TestServer
  const clients: TestClient[] = []
  const client = (server: TestServer, room: string) => {
    const c = connectClient(server.wsUrl, room)
    clients.push(c)
    return c
  }
  const storedText = async (room: string) => {
    const doc = new Y.Doc()
    for (const update of (await a.server.storage.load(room)).updates) Y.applyUpdate(doc, update)
    return doc.getText('t').toString()
  }
  const deleteThroughA = async (room: string) => {
    const response = await fetch(`${a.url}/api/rooms/${room}`, { method: 'DELETE' })
    expect(response.status).toBe(200)
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    const shared = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: uniqueRedisPrefix(), unloadGraceMs: 300 }
    a = await startServer(shared)
    b = await startServer(shared)
    deaf = await startServer({ ...shared, redisPrefix: uniqueRedisPrefix() })
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await Promise.all([a, b, deaf].map((s) => s?.close()))
    await db?.drop()
  })

  it('closes the clients on every instance with 4410, and the other instance does not write its copy back', async () => {
    const room = 'deleted-everywhere'
    const onA = client(a, room)
    const onB = client(b, room)
    await Promise.all([synced(onA), synced(onB)])
    onA.doc.getText('t').insert(0, 'from A. ')
    onB.doc.getText('t').insert(0, 'from B. ')
    await waitFor('both edits stored', async () => (await storedText(room)).length === 16)
    const closes = [firstClose(onA), firstClose(onB)]
    await deleteThroughA(room)
    expect.soft(await closes[0]).toEqual(DELETED)
    expect.soft(await closes[1]).toEqual(DELETED)
    // Had B kept its copy, unloading it (a grace period after its client left) would compact it into storage.
    onB.destroy()
    await waitFor('B to drop its copy', () => b.server.registry.get(room) === undefined)
    await new Promise((r) => setTimeout(r, 100))
    expect(await a.server.storage.load(room)).toMatchObject({ updates: [], logCount: 0 })
    expect((await fetch(`${b.url}/api/rooms/${room}`)).status).toBe(404)
    expect(b.logs.filter((l) => l.room === room && l.msg === 'room compacted')).toEqual([])
  })

  it('drops an idle copy on another instance without compacting the deleted document into storage', async () => {
    const room = 'idle-elsewhere'
    const onB = client(b, room)
    await synced(onB)
    onB.doc.getText('t').insert(0, 'typed on B, then B\'s client left')
    await waitFor('the edit stored', async () => (await storedText(room)).length > 0)
    onB.destroy()
    // B now holds the room idle for its grace period, then unloads it, which compacts it.
    await waitFor('B holds the room idle', () => b.server.registry.get(room)?.connections.size === 0)
    await deleteThroughA(room)
    await waitFor('B to unload its copy', () => b.server.registry.get(room) === undefined)
    await new Promise((r) => setTimeout(r, 100))
    expect(await a.server.storage.load(room)).toMatchObject({ updates: [], logCount: 0 })
  })

  it('refuses what an instance that missed the deletion stores afterwards, closing its client with 4410', async () => {
    const room = 'missed-the-news'
    const onDeaf = client(deaf, room)
    await synced(onDeaf)
    onDeaf.doc.getText('t').insert(0, 'before the delete. ')
    await waitFor('the edit stored', async () => (await storedText(room)).length > 0)
    await deleteThroughA(room)
    const closed = firstClose(onDeaf)
    onDeaf.doc.getText('t').insert(0, 'after the delete. ')
    // A 1011 would make the provider reconnect and send its whole copy into the empty room.
    expect(await closed).toEqual(DELETED)
    await new Promise((r) => setTimeout(r, 500))
    expect(onDeaf.provider.wsconnected).toBe(false)
    onDeaf.destroy()
    await waitFor('the deaf instance to drop its copy', () => deaf.server.registry.get(room) === undefined)
    expect(await a.server.storage.load(room)).toMatchObject({ updates: [], logCount: 0 })
  })

  it('answers an API write that reaches a copy of the deleted room with 409, and the next one creates the room anew', async () => {
    const room = 'written-after-delete'
    const onDeaf = client(deaf, room)
    await synced(onDeaf)
    onDeaf.doc.getText('t').insert(0, 'before the delete. ')
    await waitFor('the edit stored', async () => (await storedText(room)).length > 0)
    await deleteThroughA(room)
    const replace = () => fetch(`${deaf.url}/api/rooms/${room}?mode=replace`, { method: 'PUT', body: 'new', headers: { 'Content-Type': 'text/markdown' } })
    const refused = await replace()
    expect(refused.status).toBe(409)
    expect(await refused.json()).toEqual({
      status: 409,
      message: `room "${room}" was deleted after it was loaded: the write is refused so the deleted document cannot come back; send it again to write to the room anew`,
    })
    expect((await replace()).status).toBe(200)
    expect(await (await fetch(`${a.url}/api/rooms/${room}?format=markdown`)).text()).toBe('new')
    expect(await storedText(room)).toBe('')
  })

  it('lets the room be created again after the delete, and shared as usual', async () => {
    const room = 'born-again'
    const old = [client(a, room), client(b, room)]
    await Promise.all(old.map(synced))
    old[1]!.doc.getText('t').insert(0, 'old text. ')
    await waitFor('the old text stored', async () => (await storedText(room)).length > 0)
    const closes = old.map((c) => firstClose(c))
    await deleteThroughA(room)
    await Promise.all(closes)

    const onB = client(b, room)
    const onA = client(a, room)
    await Promise.all([synced(onA), synced(onB)])
    expect(onB.doc.getText('t').toString()).toBe('')
    onB.doc.getText('t').insert(0, 'new text')
    await waitFor('A\'s client to see the new text', () => onA.doc.getText('t').toString() === 'new text')
    await waitFor('the new text stored', async () => (await storedText(room)) === 'new text')
    onA.doc.getText('t').insert(8, '!')
    await waitFor('B\'s client to see A\'s edit', () => onB.doc.getText('t').toString() === 'new text!')
  })
})

describe.skipIf(!services.isAvailable)('DELETE while Redis is down', () => {
  const instances = twoInstancesOnPrivateRedis()

  it('reaches the other instance once Redis is back: its catch-up from storage finds the room deleted', async () => {
    const { servers: [a, b], clients, redis } = instances
    const room = 'deleted-during-outage'
    const writer = connectClient(a.wsUrl, room)
    // Only reads: nothing it does would be refused by storage, so only the catch-up can tell it.
    const reader = connectClient(b.wsUrl, room)
    clients.push(writer, reader)
    await Promise.all([synced(writer), synced(reader)])
    writer.doc.getText('t').insert(0, 'to be deleted')
    await waitFor('the reader to see the text', () => reader.doc.getText('t').length > 0)
    await redis.stop()
    await waitFor('B to notice the outage', () => !b.server.bridge!.isConnected)
    expect((await fetch(`${a.url}/api/rooms/${room}`, { method: 'DELETE' })).status).toBe(200)
    const closed = firstClose(reader, 10_000)
    await redis.start()
    expect(await closed).toEqual(DELETED)
    expect(b.server.registry.get(room)).toBeUndefined()
    expect((await a.server.storage.load(room)).updates).toEqual([])
  }, 20_000)
})

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
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

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
})

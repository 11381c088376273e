import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'

// PostgreSQL, because a commit there takes as long as the gap between keystrokes of a few writers:
// the write queue never runs dry, which is what a sync reply must not wait for.
const services = await probeScaleOutServices('answers-a-new-client-while-writes-stream-in', false)

describe.skipIf(!services.isAvailable)('a room whose write queue never runs dry', () => {
  let db: TestDatabase
  let server: TestServer
  const clients: TestClient[] = []
  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startServer({ databaseUrl: db.url })
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await server?.close()
    await db?.drop()
  })

  it('still syncs a new client, with everything stored before it asked', async () => {
    const room = 'busy'
    const writers = [0, 1, 2, 3].map(() => connectClient(server.wsUrl, room))
    clients.push(...writers)
    await Promise.all(writers.map(synced))
    let newcomerSynced = false
    let rounds = 0
    // Writes keep coming until the newcomer has synced (at most 20 s of them).
    const writing = (async () => {
      const until = Date.now() + 20_000
      while (!newcomerSynced && Date.now() < until) {
        writers.forEach((w, i) => w.doc.getArray<string>('items').push([`${i}-${rounds}`]))
        rounds++
        await new Promise((r) => setTimeout(r, 1))
      }
    })()
    await new Promise((r) => setTimeout(r, 300))
    const roomOnServer = server.server.registry.get(room)!
    const newcomer = connectClient(server.wsUrl, room)
    clients.push(newcomer)
    await synced(newcomer)
    const hadUnstoredWrites = roomOnServer.hasUnstoredWrites
    const seenAtSync = newcomer.doc.getArray<string>('items').toArray()
    newcomerSynced = true
    await writing
    // Synced while writes were still arriving and in flight, not after they stopped.
    expect(hadUnstoredWrites).toBe(true)
    expect(seenAtSync.length).toBeGreaterThan(0)
    // And what it was shown was stored: load the room the way a fresh instance would.
    const reader = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(reader, update)
    const stored = new Set(reader.getArray<string>('items').toArray())
    expect(seenAtSync.filter((item) => !stored.has(item))).toEqual([])
  })
})

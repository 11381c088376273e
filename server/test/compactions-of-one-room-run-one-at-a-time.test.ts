/**
 * A room's compaction can be asked for by its own log (past the
 * threshold), by unloading and by shutdown at once. On PostgreSQL a
 * compaction takes long enough for a second one to start before the first
 * ends; run together, both subtracted the same log from the room's account,
 * which then believed its log was empty and never compacted it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('compactions-of-one-room-run-one-at-a-time', false)

describe.skipIf(!services.isAvailable)('compactions of one room', () => {
  let db: TestDatabase
  let server: TestServer
  let writer: TestClient
  const room = 'compacted-twice'

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startServer({ databaseUrl: db.url, compactAfterUpdates: 40 })
    writer = connectClient(server.wsUrl, room)
    await synced(writer)
  })
  afterAll(async () => {
    writer?.destroy()
    await server?.close()
    await db?.drop()
  })

  const typeAndStore = async (count: number) => {
    const text = writer.doc.getText('t')
    for (let i = 0; i < count; i++) {
      text.insert(text.length, String(i % 10))
      // One keystroke per turn, as a person types: each is its own log entry.
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitFor('every keystroke is stored', () => !server.server.registry.get(room)!.hasUnstoredWrites)
  }

  it('run one after the other, so the log is still compacted once it passes the threshold again', async () => {
    await typeAndStore(20)
    const loaded = server.server.registry.get(room)!
    await Promise.all([loaded.compact(), loaded.compact(), loaded.compact()])
    expect((await server.server.storage.load(room)).logCount).toBe(0)

    await typeAndStore(60)
    await waitFor('the log is compacted below the threshold again', async () => (await server.server.storage.load(room)).logCount < 40)
    const fromStorage = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(fromStorage, update)
    expect(fromStorage.getText('t').toString()).toBe(writer.doc.getText('t').toString())
    expect(fromStorage.getText('t').length).toBe(80)
  })
})

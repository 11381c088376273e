import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'

describe('room lifecycle', () => {
  let server: TestServer
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await server.close()
  })

  it('compacts a long log into one snapshot without changing the content', async () => {
    server = await startServer({ compactAfterUpdates: 50 })
    const writer = connectClient(server.wsUrl, 'compact-room')
    clients.push(writer)
    await synced(writer)
    for (let i = 0; i < 175; i++) writer.doc.getText('t').insert(i, String(i % 10))
    const expected = writer.doc.getText('t').toString()
    await waitFor('the log is compacted below the threshold', async () => {
      const stored = await server.server.storage.load('compact-room')
      const fromDisk = new Y.Doc()
      for (const u of stored.updates) Y.applyUpdate(fromDisk, u)
      return stored.logCount < 50 && fromDisk.getText('t').toString() === expected
    })
    const [info] = await server.server.storage.list()
    expect(info).toMatchObject({ name: 'compact-room' })
    expect(info!.logCount).toBeLessThan(50)
  })

  it('unloads a room after its last client leaves, destroying its doc and awareness, and reloads it intact', async () => {
    server = await startServer({ unloadGraceMs: 50 })
    const writer = connectClient(server.wsUrl, 'unload-room')
    await synced(writer)
    writer.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    writer.doc.getText('t').insert(0, 'kept while unloaded')
    const room = server.server.registry.get('unload-room')!
    await waitFor('stored', () => !room.hasUnstoredWrites && room.awareness.getStates().size === 1)
    writer.destroy()
    await waitFor('the room is unloaded', () => server.server.registry.stats.rooms === 0)
    expect(room.doc.isDestroyed).toBe(true)
    expect((room.awareness as unknown as { _checkInterval: { _destroyed: boolean } })._checkInterval._destroyed).toBe(true)
    expect(server.server.registry.stats).toMatchObject({ rooms: 0, connections: 0, unloadTimers: 0 })
    // Unloading compacted the log into the snapshot.
    expect((await server.server.storage.load('unload-room')).logCount).toBe(0)

    const reader = connectClient(server.wsUrl, 'unload-room')
    clients.push(reader)
    await synced(reader)
    expect(reader.doc.getText('t').toString()).toBe('kept while unloaded')
  })

  it('keeps a room loaded when a client returns within the grace period', async () => {
    server = await startServer({ unloadGraceMs: 300 })
    const first = connectClient(server.wsUrl, 'grace-room')
    await synced(first)
    const room = server.server.registry.get('grace-room')!
    first.destroy()
    await waitFor('the unload is scheduled', () => server.server.registry.stats.unloadTimers === 1)
    const second = connectClient(server.wsUrl, 'grace-room')
    clients.push(second)
    await synced(second)
    await new Promise((r) => setTimeout(r, 400))
    expect(server.server.registry.get('grace-room')).toBe(room)
    expect(server.server.registry.stats.unloadTimers).toBe(0)
  })
})

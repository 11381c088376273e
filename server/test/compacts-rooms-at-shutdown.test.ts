import { expect, it } from 'vitest'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor } from './helpers.js'

it('compacts every loaded room at a graceful shutdown, so a restart loads one snapshot instead of replaying the log', async () => {
  const server = await startServer()
  const writer = connectClient(server.wsUrl, 'busy-room')
  await synced(writer)
  for (let i = 0; i < 40; i++) writer.doc.getText('t').insert(i, String(i % 10))
  const expected = writer.doc.getText('t').toString()
  await waitFor('every edit is stored', () => {
    const room = server.server.registry.get('busy-room')
    return room !== undefined && room.doc.getText('t').toString() === expected && !room.hasUnstoredWrites
  })
  expect((await server.server.storage.load('busy-room')).logCount).toBeGreaterThan(0)
  // Shut down while the client is still connected (the room is not unloaded first).
  await server.close()
  writer.destroy()

  const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
  const stored = await storage.load('busy-room')
  await storage.close()
  expect(stored.logCount).toBe(0)
  expect(stored.updates).toHaveLength(1)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, stored.updates[0]!)
  expect(doc.getText('t').toString()).toBe(expected)
})

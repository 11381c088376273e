import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { listVersions, paragraphsOf, typeParagraph } from './history-helpers.js'

let server: TestServer | undefined
const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await server?.close()
  server = undefined
})

const HOURS = 3_600_000

it('records a version during continuous editing at least every VERSION_MAX_INTERVAL_MS', async () => {
  server = await startServer({ versionIdleMs: HOURS, versionMaxIntervalMs: 250 })
  const editor = connectClient(server.wsUrl, 'busy')
  clients.push(editor)
  await synced(editor)
  const started = Date.now()
  for (let i = 0; Date.now() - started < 1_200; i++) {
    typeParagraph(editor, `keystroke ${i}`)
    await new Promise((r) => setTimeout(r, 40))
  }
  const versions = await listVersions(server.url, 'busy')
  expect(versions.length).toBeGreaterThanOrEqual(2)
  expect(versions.length).toBeLessThanOrEqual(6)
})

it('records a version of unversioned changes when the room unloads, and none when there are none', async () => {
  server = await startServer({ versionIdleMs: HOURS, unloadGraceMs: 50 })
  const editor = connectClient(server.wsUrl, 'leaving')
  clients.push(editor)
  await synced(editor)
  typeParagraph(editor, 'written just before leaving')
  await waitFor('the change to be stored', async () => (await fetch(`${server!.url}/api/rooms/leaving?format=text`)).status === 200)
  editor.destroy()
  await waitFor('the room to unload', () => server!.server.registry.get('leaving') === undefined)
  const [version, ...others] = await listVersions(server.url, 'leaving')
  expect(others).toEqual([])
  expect(await (await fetch(`${server.url}/api/rooms/leaving/versions/${version!.id}?format=text`)).text()).toBe('written just before leaving')

  // Opened and left again without a change: nothing new to record.
  const reader = connectClient(server.wsUrl, 'leaving')
  await synced(reader)
  expect(paragraphsOf(reader.doc)).toEqual(['written just before leaving'])
  reader.destroy()
  await waitFor('the room to unload again', () => server!.server.registry.get('leaving') === undefined)
  expect(await listVersions(server.url, 'leaving')).toHaveLength(1)
})

it('records a version of unversioned changes when the server shuts down', async () => {
  server = await startServer({ versionIdleMs: HOURS })
  const { dataDir } = server
  const editor = connectClient(server.wsUrl, 'shutdown')
  clients.push(editor)
  await synced(editor)
  typeParagraph(editor, 'last words')
  await waitFor('the change to be stored', async () => (await fetch(`${server!.url}/api/rooms/shutdown?format=text`)).status === 200)
  await server.close()
  server = undefined
  const storage = new SqliteStorage({ file: path.join(dataDir, 'ortak.db') })
  try {
    const { versions } = await storage.versions.list('shutdown', 10)
    expect(versions).toHaveLength(1)
    expect(versions[0]!.kind).toBe('auto')
  } finally {
    await storage.close()
  }
})

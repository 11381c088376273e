import { expect } from 'vitest'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { synced, testWithServer, waitFor } from './helpers.js'
import { paragraphsOf, typeParagraph } from './history-helpers.js'

const IDLE_MS = 100
const test = testWithServer({ versionHistory: 'off', versionIdleMs: IDLE_MS })

test('records no version after a burst, at shutdown or when asked, and has no version routes', async ({ server, connect }) => {
  const ada = connect('no-history')
  const ben = connect('no-history')
  await Promise.all([synced(ada), synced(ben)])
  typeParagraph(ada, 'edited with history off')
  await waitFor('Ben to see the edit', () => paragraphsOf(ben.doc).length === 1)
  // Several idle times pass: with history on a version would be recorded by now.
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 5))
  expect(server.server.registry.get('no-history')?.history ?? null).toBeNull()

  const base = `${server.url}/api/rooms/no-history/versions`
  const listed = await fetch(base)
  expect(listed.status).toBe(404)
  expect(((await listed.json()) as { message: string }).message).toContain('keeps no version history')
  const asked = await fetch(base, { method: 'POST', body: JSON.stringify({ name: 'asked' }), headers: { 'Content-Type': 'application/json' } })
  expect(asked.status).toBe(404)
  // The document itself is served and stored as ever.
  expect(await (await fetch(`${server.url}/api/rooms/no-history?format=text`)).text()).toBe('edited with history off')

  // Shutting down flushes a version of every room with changes, when history is on.
  ada.destroy()
  ben.destroy()
  await server.close()
  const storage = new SqliteStorage({ file: `${server.dataDir}/ortak.db` })
  try {
    expect((await storage.versions.list('no-history', 10)).versions).toEqual([])
  } finally {
    await storage.close()
  }
})

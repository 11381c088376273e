import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { runOrtak } from '../src/cli/run.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { synced, tempDir, testWithServer, waitFor } from './helpers.js'
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

it('holds for the command line too: an import records no version, and a restore is refused; stored versions stay readable', async () => {
  const data = tempDir()
  const source = path.join(data, 'notes.md')
  fs.writeFileSync(source, '# Notes')
  const ortak = async (argv: string[]) => {
    let stderr = ''
    const code = await runOrtak(argv, { env: { VERSION_HISTORY: 'off' }, readStdin: async () => Buffer.alloc(0), stdout: () => {}, stderr: (text) => void (stderr += text) })
    return { code, stderr }
  }
  expect((await ortak(['import', 'notes', source, '--data', data])).code).toBe(0)
  // Versions stored before stay readable (there are none here); a restore, which records one, is refused.
  expect((await ortak(['versions', 'notes', '--data', data])).code).toBe(0)
  expect(await ortak(['restore', 'notes', '1', '--data', data])).toEqual({ code: 1, stderr: 'ortak restore: version history is off (VERSION_HISTORY=off): nothing may record a version\n' })
  const storage = new SqliteStorage({ file: path.join(data, 'ortak.db') })
  try {
    expect((await storage.versions.list('notes', 10)).versions).toEqual([])
    expect((await storage.load('notes')).updates.length).toBeGreaterThan(0)
  } finally {
    await storage.close()
  }
})

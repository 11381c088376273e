import Database from 'better-sqlite3'
import { expect } from 'vitest'
import { databaseFile } from '../src/server.js'
import { synced, testWithServer, waitFor } from './helpers.js'
import { paragraphsOf, typeParagraph } from './history-helpers.js'

const test = testWithServer({ versionIdleMs: 60_000, versionMaxIntervalMs: 60_000 })

test('answers a version whose stored bytes are damaged with an error naming it, and goes on serving the room', async ({ server, connect }) => {
  const editor = connect('minutes')
  await synced(editor)
  // Long enough that its version is stored deflated.
  typeParagraph(editor, 'Minutes of the meeting, as they were typed. '.repeat(40))
  const saved = await fetch(`${server.url}/api/rooms/minutes/versions`, { method: 'POST', body: JSON.stringify({ name: 'agreed' }) })
  expect(saved.status).toBe(201)
  const { version } = await saved.json() as { version: { id: number; incrementBytes: number } }

  // Cut short, as a torn write leaves it: through a second connection to the file, as the disk would.
  const file = new Database(databaseFile(server.dataDir))
  const { increment } = file.prepare<[number], { increment: Buffer }>('SELECT increment FROM versions WHERE id = ?').get(version.id)!
  expect(increment.byteLength).toBe(version.incrementBytes)
  file.prepare('UPDATE versions SET increment = ? WHERE id = ?').run(increment.subarray(0, increment.byteLength >> 1), version.id)
  file.close()

  const problem = new RegExp(`^version ${version.id} of room "minutes" cannot be read: its stored increment \\(\\d+ bytes, deflated\\) does not inflate: `)
  for (const [path, init] of [
    [`/api/rooms/minutes/versions/${version.id}?format=text`, {}],
    [`/api/rooms/minutes/versions/${version.id}?format=yjs`, {}],
    [`/api/rooms/minutes/versions/${version.id}/restore`, { method: 'POST' }],
  ] as const) {
    const response = await fetch(`${server.url}${path}`, init)
    expect(response.status, path).toBe(500)
    // Not a passing failure of storage: retrying cannot mend the bytes.
    expect(response.headers.get('retry-after'), path).toBeNull()
    const body = await response.json() as { status: number; message: string }
    expect(body.message, path).toMatch(problem)
  }

  // The server and the room go on: the list still reads, and an edit reaches a second editor.
  expect((await fetch(`${server.url}/api/rooms/minutes/versions`)).status).toBe(200)
  const reader = connect('minutes')
  await synced(reader)
  typeParagraph(editor, 'after the damage')
  await waitFor('the second editor to see the new line', () => paragraphsOf(reader.doc).at(-1) === 'after the damage')
})

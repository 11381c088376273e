/**
 * With a room's clients spread over two instances sharing PostgreSQL and
 * Redis, each burst of editing makes exactly one automatic version, naming
 * the authors on both instances, and a restore through one instance reaches
 * the clients of the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { contentOf, listVersions, paragraphsOf, typeParagraph } from './history-helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('two-instances-make-one-version-per-burst')

const IDLE_MS = 200
const MAX_INTERVAL_MS = 400

describe.skipIf(!services.isAvailable)('version history on two instances', () => {
  let db: TestDatabase
  let a: TestServer
  let b: TestServer
  const clients: TestClient[] = []
  const client = (server: TestServer, room: string, name: string) => {
    const c = connectClient(server.wsUrl, room)
    c.provider.awareness.setLocalStateField('user', { name })
    clients.push(c)
    return c
  }
  /** Ada on A and Grace on B, both synced with the room. */
  const editorsOf = async (room: string) => {
    const editors = [client(a, room, 'Ada'), client(b, room, 'Grace')] as const
    await Promise.all(editors.map(synced))
    return editors
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    const shared = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: uniqueRedisPrefix(), versionIdleMs: IDLE_MS, versionMaxIntervalMs: MAX_INTERVAL_MS }
    a = await startServer(shared)
    b = await startServer(shared)
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await Promise.all([a, b].map((s) => s?.close()))
    await db?.drop()
  })

  it('records one version per burst, with the authors of both instances', async () => {
    const room = 'spread'
    const [ada, grace] = await editorsOf(room)
    typeParagraph(ada, 'from A')
    await waitFor('B to see A\'s edit', () => paragraphsOf(grace.doc).length === 1)
    typeParagraph(grace, 'from B')
    await waitFor('A to see B\'s edit', () => paragraphsOf(ada.doc).length === 2)
    await waitFor('a version', async () => (await listVersions(a.url, room)).length > 0)
    // Both instances' timers have fired by now; the one that came second found nothing new.
    await new Promise((r) => setTimeout(r, IDLE_MS * 4))
    const [version, ...others] = await listVersions(b.url, room)
    expect(others).toEqual([])
    expect(version!.authors.map((author) => author.name).sort()).toEqual(['Ada', 'Grace'])

    // A burst on B alone: one more version, Grace's.
    typeParagraph(grace, 'B again')
    await waitFor('a second version', async () => (await listVersions(a.url, room)).length > 1)
    await new Promise((r) => setTimeout(r, IDLE_MS * 4))
    const [second, first, ...none] = await listVersions(a.url, room)
    expect(none).toEqual([])
    expect(first!.id).toBe(version!.id)
    expect(second!.authors.map((author) => author.name)).toEqual(['Grace'])
  })

  it('records one version per interval during continuous editing on both instances, not one from each', async () => {
    const room = 'continuous'
    const [ada, grace] = await editorsOf(room)
    const started = Date.now()
    for (let i = 0; Date.now() - started < MAX_INTERVAL_MS * 4; i++) {
      typeParagraph(i % 2 === 0 ? ada : grace, `keystroke ${i}`)
      await new Promise((r) => setTimeout(r, 30))
    }
    const times = (await listVersions(a.url, room)).map((v) => Date.parse(v.createdAt)).sort((x, y) => x - y)
    expect(times.length).toBeGreaterThanOrEqual(2)
    expect(times.length).toBeLessThanOrEqual(5)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    expect(Math.min(...gaps)).toBeGreaterThan(MAX_INTERVAL_MS / 2)
  })

  it('sends a restore made through one instance to the clients of the other', async () => {
    const room = 'restored-across'
    const [onA, onB] = await editorsOf(room)
    typeParagraph(onA, 'the original')
    await waitFor('a version', async () => (await listVersions(a.url, room)).length === 1)
    const [original] = await listVersions(a.url, room)
    typeParagraph(onB, 'an addition')
    await waitFor('A to see the addition', () => paragraphsOf(onA.doc).length === 2)
    const response = await fetch(`${a.url}/api/rooms/${room}/versions/${original!.id}/restore`, { method: 'POST' })
    expect(response.status).toBe(200)
    await waitFor('the client on B to see the restore', () => paragraphsOf(onB.doc).join('|') === 'the original')
    const version = await (await fetch(`${b.url}/api/rooms/${room}/versions/${original!.id}`)).json()
    expect(contentOf(onB.doc)).toEqual(version)
    expect(contentOf(onA.doc)).toEqual(version)
  })
})

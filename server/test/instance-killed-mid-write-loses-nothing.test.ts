import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, spawnServer, startServer, synced, tempDir, waitFor, type ServerProcess, type TestClient, type TestServer } from './helpers.js'
import {
  createTestDatabase, probeScaleOutServices, scaleOutArgs, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase,
} from './scale-services.js'

const services = await probeScaleOutServices('instance-killed-mid-write-loses-nothing')

const PEER_TIMEOUT_MS = 1_500

describe.skipIf(!services.isAvailable)('an instance killed with SIGKILL while clients on all instances write', () => {
  let db: TestDatabase
  let prefix: string
  // The instance that is killed is a real process; the survivors run in this one (quicker to start).
  let doomed: ServerProcess
  const survivors: TestServer[] = []
  const clients: TestClient[] = []
  const client = (server: { wsUrl: string }, room: string) => {
    const c = connectClient(server.wsUrl, room)
    clients.push(c)
    return c
  }
  const items = (c: TestClient) => new Set(c.doc.getArray<string>('items').toArray())

  beforeAll(async () => {
    db = await createTestDatabase()
    prefix = uniqueRedisPrefix()
    doomed = await spawnServer(tempDir(), [...scaleOutArgs(db, prefix), '--peer-timeout-ms', String(PEER_TIMEOUT_MS)])
    const options = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, peerTimeoutMs: PEER_TIMEOUT_MS }
    survivors.push(await startServer(options), await startServer(options))
  }, 60_000)
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await doomed?.kill('SIGKILL')
    for (const s of survivors) await s.close()
    await db?.drop()
  })

  it('loses no update: its clients move to another instance, and every update any client had received is everywhere', async () => {
    const room = 'crash'
    const [survivorA, survivorB] = survivors as [TestServer, TestServer]
    const writers = [doomed, doomed, survivorA, survivorA, survivorB, survivorB].map((s) => client(s, room))
    const watchers = writers.slice(2)
    // A client of the doomed instance that never comes back: its presence must vanish from the others.
    const ghost = client(doomed, room)
    await Promise.all([...writers, ghost].map(synced))
    ghost.provider.awareness.setLocalStateField('user', { name: 'ghost' })
    const seesGhost = (c: TestClient) => c.provider.awareness.getStates().has(ghost.doc.clientID)
    await waitFor('clients of the other instances see the ghost', () => watchers.every(seesGhost))

    const written = new Set<string>()
    let isWriting = true
    const writing = (async () => {
      for (let round = 0; round < 2_000 && isWriting; round++) {
        writers.forEach((w, i) => {
          const item = `${i}-${round}`
          w.doc.getArray<string>('items').push([item])
          written.add(item)
        })
        await new Promise((r) => setTimeout(r, 10))
      }
    })()

    await new Promise((r) => setTimeout(r, 1_000))
    await doomed.kill('SIGKILL')
    const killedAt = Date.now()
    const receivedBeforeKill = watchers.map(items)

    // The doomed instance's writers reconnect elsewhere with the documents they have, as a load balancer would send them.
    const moved = writers.slice(0, 2).map((w, i) => {
      w.provider.destroy()
      const again = connectClient((i === 0 ? survivorA : survivorB).wsUrl, room, { doc: w.doc })
      clients.push(again)
      return again
    })
    await Promise.all(moved.map(synced))

    // Longer than the bound asserted below, so a slow removal fails there with its time; shorter than
    // y-protocols' own 30 s expiry, which would remove the ghost without the peer timeout.
    await waitFor('the ghost to vanish from the other instances\' clients', () => !watchers.some(seesGhost), 20_000)
    const ghostGoneAfterMs = Date.now() - killedAt

    await new Promise((r) => setTimeout(r, 500))
    isWriting = false
    await writing
    const everyone = [...moved, ...watchers]
    await waitFor('every client to hold every item written', () => everyone.every((c) => items(c).size === written.size), 15_000)
    for (const c of everyone) expect(items(c)).toEqual(written)
    // Within the peer timeout and a few heartbeats; far sooner than y-protocols' own 30 s expiry.
    expect(ghostGoneAfterMs).toBeLessThan(PEER_TIMEOUT_MS + 5_000)

    // A new instance, reading PostgreSQL only, serves all of it.
    const fresh = await startServer({ databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix })
    survivors.push(fresh)
    const reader = client(fresh, room)
    await synced(reader)
    expect(items(reader)).toEqual(written)
    for (const before of receivedBeforeKill) expect([...before].filter((item) => !items(reader).has(item))).toEqual([])
  }, 60_000)
})

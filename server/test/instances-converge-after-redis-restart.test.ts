import { describe, expect, it } from 'vitest'
import { connectClient, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { probeScaleOutServices, twoInstancesOnPrivateRedis } from './scale-services.js'

const services = await probeScaleOutServices('instances-converge-after-redis-restart')

describe.skipIf(!services.isAvailable)('two instances whose Redis restarts mid-session', () => {
  const instances = twoInstancesOnPrivateRedis({ peerTimeoutMs: 1_000 })

  const readiness = async (server: TestServer) => {
    const response = await fetch(`${server.url}/readyz`)
    return { status: response.status, body: await response.json() as { ready: boolean; problems: string[] } }
  }

  it('keep serving their own clients while it is down, say they are not ready, and converge once it is back', async () => {
    const room = 'outage'
    const { servers: [a, b], clients, redis } = instances
    const writers = [a, a, b, b].map((s) => {
      const c = connectClient(s.wsUrl, room)
      clients.push(c)
      return c
    })
    await Promise.all(writers.map(synced))
    const [a1, a2, b1, b2] = writers as [TestClient, TestClient, TestClient, TestClient]
    a1.provider.awareness.setLocalStateField('user', { name: 'Ada on A' })
    await waitFor('B\'s client sees Ada', () => [...b1.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada on A'))
    expect((await readiness(a)).status).toBe(200)

    const items = (c: TestClient) => new Set(c.doc.getArray<string>('items').toArray())
    const written = new Set<string>()
    const write = (round: number) => writers.forEach((w, i) => {
      const item = `${i}-${round}`
      w.doc.getArray<string>('items').push([item])
      written.add(item)
    })
    let round = 0
    const writeFor = async (ms: number) => {
      const until = Date.now() + ms
      for (let n = 0; n < 500 && Date.now() < until; n++) {
        write(round++)
        await new Promise((r) => setTimeout(r, 10))
      }
    }

    await writeFor(500)
    await redis.stop()
    await waitFor('A to report it is not ready', async () => (await readiness(a)).status === 503)
    const down = await readiness(a)
    expect(down.body.ready).toBe(false)
    expect(down.body.problems.join()).toMatch(/^redis: /)
    const health = await (await fetch(`${a.url}/healthz`)).json()
    expect(health).toMatchObject({ status: 'degraded', services: { postgres: { reachable: true }, redis: { reachable: false } } })

    // During the outage each instance still serves its own clients.
    a1.provider.awareness.setLocalStateField('user', { name: 'Ada, renamed during the outage' })
    await writeFor(800)
    const lastOfA1 = `0-${round - 1}`
    const lastOfB1 = `2-${round - 1}`
    await waitFor('A\'s clients see each other\'s edits during the outage', () => items(a2).has(lastOfA1))
    await waitFor('B\'s clients see each other\'s edits during the outage', () => items(b2).has(lastOfB1))

    await redis.start()
    await waitFor('both instances ready again', async () => (await readiness(a)).status === 200 && (await readiness(b)).status === 200, 10_000)
    await writeFor(500)
    await waitFor('every client to hold every item written', () => writers.every((w) => items(w).size === written.size), 15_000)
    for (const w of writers) expect(items(w)).toEqual(written)
    await waitFor('B\'s client sees Ada\'s change made during the outage', () =>
      [...b1.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada, renamed during the outage'), 10_000)
    expect(a.logs.some((l) => l.msg.startsWith('Redis connection lost'))).toBe(true)
    // Clients only hear their own instance: what B's clients got of A's outage-time edits came from the resync.
    for (const s of [a, b]) expect(s.logs.filter((l) => l.msg === 'resynced with Redis').length).toBeGreaterThanOrEqual(2)
  }, 60_000)
})

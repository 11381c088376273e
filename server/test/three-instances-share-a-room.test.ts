import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, spawnServer, synced, tempDir, waitFor, type ServerProcess, type TestClient } from './helpers.js'
import {
  createTestDatabase, probeScaleOutServices, scaleOutArgs, seededRandom, uniqueRedisPrefix, type TestDatabase,
} from './scale-services.js'

const services = await probeScaleOutServices('three-instances-share-a-room')

describe.skipIf(!services.isAvailable)('three server processes sharing one room through PostgreSQL and Redis', () => {
  let db: TestDatabase
  const servers: ServerProcess[] = []
  const clients: TestClient[] = []
  const client = (server: ServerProcess, room: string) => {
    const c = connectClient(server.wsUrl, room)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    const prefix = uniqueRedisPrefix()
    // One after another: on a busy machine three at once can each take longer than the start-up timeout.
    for (let i = 0; i < 3; i++) servers.push(await spawnServer(tempDir(), scaleOutArgs(db, prefix)))
  }, 90_000)
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await Promise.all(servers.map((s) => s.kill('SIGTERM')))
    await db?.drop()
  })

  it('converge on random edits made on all three, and a fresh client on any instance loads the result', async () => {
    const room = 'shared'
    const editors = servers.flatMap((s) => [client(s, room), client(s, room)])
    await Promise.all(editors.map(synced))
    const seed = Date.now() % 100_000
    const random = seededRandom(seed)
    const deadline = Date.now() + 3_000
    // Several seconds of edits, and at least 30 rounds even on a slow machine.
    for (let round = 0; round < 1_000 && (Date.now() < deadline || round < 30); round++) {
      for (const [i, editor] of editors.entries()) {
        const text = editor.doc.getText('t')
        const roll = random()
        if (roll < 0.6 || text.length < 10) text.insert(Math.floor(random() * (text.length + 1)), `${i}:${round} `)
        else if (roll < 0.85) text.delete(Math.floor(random() * (text.length - 5)), 1 + Math.floor(random() * 4))
        else editor.doc.getMap('m').set(`k${Math.floor(random() * 20)}`, `${i}:${round}`)
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    // Map entries sorted: each client lists keys in the order it happened to learn them.
    const snapshot = (c: TestClient) => JSON.stringify([c.doc.getText('t').toString(), [...c.doc.getMap('m').entries()].sort()])
    await waitFor(`all six editors to converge (seed ${seed})`, () => editors.every((e) => snapshot(e) === snapshot(editors[0]!)), 15_000)
    expect(editors[0]!.doc.getText('t').length).toBeGreaterThan(50)

    const fresh = servers.map((s) => client(s, room))
    await Promise.all(fresh.map(synced))
    for (const f of fresh) expect(snapshot(f)).toBe(snapshot(editors[0]!))
  }, 60_000)

  it('show a client on one instance the awareness of a client on another', async () => {
    const room = 'presence'
    const ada = client(servers[0]!, room)
    const bo = client(servers[2]!, room)
    await Promise.all([synced(ada), synced(bo)])
    ada.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor('Bo sees Ada', () => [...bo.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada'))
    // A client arriving later on a third instance sees both at once.
    bo.provider.awareness.setLocalStateField('user', { name: 'Bo' })
    const late = client(servers[1]!, room)
    await synced(late)
    await waitFor('the late client sees Ada and Bo', () => {
      const names = [...late.provider.awareness.getStates().values()].map((s) => s.user?.name)
      return names.includes('Ada') && names.includes('Bo')
    })
    const adaId = ada.doc.clientID
    ada.provider.destroy()
    await waitFor('Ada leaving is seen on the other instances', () =>
      !bo.provider.awareness.getStates().has(adaId) && !late.provider.awareness.getStates().has(adaId), 2_000)
  })

  it('report PostgreSQL and Redis as reachable and the instance as ready', async () => {
    const health = await (await fetch(`${servers[1]!.url}/healthz`)).json()
    expect(health).toMatchObject({ status: 'ok', services: { postgres: { reachable: true }, redis: { reachable: true } } })
    const ready = await fetch(`${servers[1]!.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, problems: [] })
  })

  // Runs last: it stops one of the three.
  it('drop the cursors of an instance that shuts down at once, well before the peer timeout', async () => {
    const room = 'goodbye'
    const leaving = client(servers[0]!, room)
    const staying = client(servers[1]!, room)
    await Promise.all([synced(leaving), synced(staying)])
    leaving.provider.awareness.setLocalStateField('user', { name: 'leaving' })
    await waitFor('the other instance\'s client sees it', () => staying.provider.awareness.getStates().has(leaving.doc.clientID))
    // Its provider would reconnect elsewhere; this one is gone for good.
    leaving.provider.shouldConnect = false
    await servers[0]!.kill('SIGTERM')
    await waitFor('its cursor to go (peer timeout is 10 s)', () => !staying.provider.awareness.getStates().has(leaving.doc.clientID), 3_000)
  })
})

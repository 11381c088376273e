import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, rawSocket, startServer, synced, testWithServer, waitFor, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'
import { SECRET, awarenessFrame, statesSeenBy, token, type RawClient } from './security-helpers.js'

const services = await probeScaleOutServices('keeps-each-cursor-with-its-owner')

type Permission = 'read' | 'write'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The socket's close, or 'still open' if it has not closed within `ms`. */
const closedWithin = (raw: RawClient, ms = 3_000) =>
  Promise.race([raw.closed, sleep(ms).then(() => 'still open' as const)])

const clockOf = (client: TestClient) => client.provider.awareness.meta.get(client.doc.clientID)!.clock

const withUsers = testWithServer({ authSecret: SECRET }).extend<{
  /** A stock provider of the user `name` (whose id is the name in lower case). */
  person: (room: string, name: string, permission?: Permission, wsUrl?: string) => Promise<TestClient>
  /** A raw socket of the user `name`, for frames no stock provider sends. */
  raw: (room: string, name: string, permission?: Permission) => Promise<RawClient>
}>({
  person: async ({ server, clients }, use) => {
    await use(async (room, name, permission = 'write', wsUrl = server.wsUrl) => {
      const client = connectClient(wsUrl, room, { params: { token: await tokenOf(room, name, permission) } })
      clients.push(client)
      await synced(client)
      return client
    })
  },
  raw: async ({ server }, use) => {
    const raws: RawClient[] = []
    await use(async (room, name, permission = 'read') => {
      const raw = await rawSocket(server.wsUrl, room, { token: await tokenOf(room, name, permission) })
      raws.push(raw)
      return raw
    })
    for (const raw of raws) raw.ws.terminate()
  },
})

const tokenOf = (room: string, name: string, permission: Permission) => token({ room, permission, name, sub: name.toLowerCase() })

/** Alice, whose caret is at 1, and Bob, who sees it. */
async function aliceAndBob(person: (room: string, name: string, permission?: Permission) => Promise<TestClient>, room: string) {
  const alice = await person(room, 'Alice')
  const bob = await person(room, 'Bob', 'read')
  alice.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
  await waitFor('Bob sees Alice’s caret', () => statesSeenBy(bob).get(alice.doc.clientID)?.cursor?.anchor === 1)
  return { alice, bob, aliceId: alice.doc.clientID }
}

const ALICE_AT_1 = { user: { id: 'alice', name: 'Alice' }, cursor: { anchor: 1 } }

/** Every state of `clientId` that `viewer` holds from now on, in order (null when it is removed). */
function historyOf(viewer: TestClient, clientId: number): unknown[] {
  const seen: unknown[] = []
  viewer.provider.awareness.on('change', ({ added, updated, removed }: Record<string, number[]>) => {
    if ([...added!, ...updated!, ...removed!].includes(clientId)) seen.push(viewer.provider.awareness.getStates().get(clientId) ?? null)
  })
  return seen
}

describe('an awareness client id belongs to the user whose connection announced it', () => {
  withUsers('another user who writes it is closed with 4409, and everyone keeps seeing the owner’s own caret', async ({ server, person, raw }) => {
    const { bob, alice, aliceId } = await aliceAndBob(person, 'takeover')
    const seenByBob = historyOf(bob, aliceId)
    const mallory = await raw('takeover', 'Mallory')
    mallory.ws.send(awarenessFrame(aliceId, clockOf(alice) + 1, { user: { name: 'Alice' }, cursor: { anchor: 99 } }))
    expect(await closedWithin(mallory)).toEqual({ code: 4409, reason: `awareness client id ${aliceId} belongs to another user` })
    expect(server.logs.filter((l) => l.code === 4409)).toEqual([expect.objectContaining({ room: 'takeover', msg: 'closing connection: bad input' })])
    await sleep(100)
    expect(seenByBob).toEqual([])
    expect(statesSeenBy(bob).get(aliceId)).toEqual(ALICE_AT_1)
    expect(server.server.registry.get('takeover')!.awareness.getStates().get(aliceId)).toEqual(ALICE_AT_1)
  })

  withUsers('another user cannot remove it while its owner is connected', async ({ server, person, raw }) => {
    const { bob, alice, aliceId } = await aliceAndBob(person, 'removal')
    const seenByBob = historyOf(bob, aliceId)
    const mallory = await raw('removal', 'Mallory')
    mallory.ws.send(awarenessFrame(aliceId, clockOf(alice), null))
    mallory.ws.send(awarenessFrame(aliceId, clockOf(alice) + 1, null))
    await sleep(200)
    expect(seenByBob).toEqual([])
    expect(statesSeenBy(bob).get(aliceId)).toEqual(ALICE_AT_1)
    expect(server.server.registry.get('removal')!.awareness.getStates().get(aliceId)).toEqual(ALICE_AT_1)
    // A stock provider sends such removals too, for a state it timed out: they are ignored, never closed.
    expect(mallory.ws.readyState).toBe(mallory.ws.OPEN)
  })

  withUsers('stays the owner’s after it leaves: another user cannot take it, the owner’s provider takes it back', async ({ server, person, raw }) => {
    const { bob, alice, aliceId } = await aliceAndBob(person, 'left')
    const room = server.server.registry.get('left')!
    alice.provider.disconnect()
    await waitFor('Alice’s connection is gone', () => room.connections.size === 1)
    const mallory = await raw('left', 'Mallory')
    mallory.ws.send(awarenessFrame(aliceId, clockOf(alice) + 5, { cursor: { anchor: 99 } }))
    expect(await closedWithin(mallory)).toEqual({ code: 4409, reason: `awareness client id ${aliceId} belongs to another user` })
    alice.provider.connect()
    await synced(alice)
    alice.provider.awareness.setLocalStateField('cursor', { anchor: 2 })
    await waitFor('Bob sees Alice’s caret again', () => statesSeenBy(bob).get(aliceId)?.cursor?.anchor === 2)
    expect(statesSeenBy(bob).get(aliceId)!.user).toEqual({ id: 'alice', name: 'Alice' })
    expect(alice.provider.wsconnected).toBe(true)
  })
})

describe('a stock provider reconnecting with the same client id', () => {
  withUsers('is never refused after provider.disconnect(); provider.connect()', async ({ server, person }) => {
    const { bob, alice, aliceId } = await aliceAndBob(person, 'reconnect')
    const closes: unknown[] = []
    alice.provider.on('closed', (event) => closes.push(event))
    for (let round = 2; round <= 4; round++) {
      // At once: the new connection may announce the id before the server has seen the old one close.
      alice.provider.disconnect()
      alice.provider.connect()
      await synced(alice)
      alice.provider.awareness.setLocalStateField('cursor', { anchor: round })
      await waitFor(`Bob sees Alice’s caret at ${round}`, () => statesSeenBy(bob).get(aliceId)?.cursor?.anchor === round)
    }
    expect(statesSeenBy(bob).get(aliceId)!.user).toEqual({ id: 'alice', name: 'Alice' })
    expect(closes).toEqual([])
    expect(server.logs.filter((l) => l.code === 4409)).toEqual([])
  })

  withUsers('is never refused after its socket is killed abruptly', async ({ server, person }) => {
    const { bob, alice, aliceId } = await aliceAndBob(person, 'killed')
    const room = server.server.registry.get('killed')!
    const closes: unknown[] = []
    alice.provider.on('closed', (event) => closes.push(event))
    for (let round = 2; round <= 4; round++) {
      const socket = (alice.provider.ws as unknown as { _socket: net.Socket })._socket
      socket.destroy()
      await waitFor('Alice sees her socket close', () => !alice.provider.wsconnected)
      await waitFor('Alice reconnects', () => alice.provider.wsconnected && alice.provider.synced && room.connections.size === 2)
      alice.provider.awareness.setLocalStateField('cursor', { anchor: round })
      await waitFor(`Bob sees Alice’s caret at ${round}`, () => statesSeenBy(bob).get(aliceId)?.cursor?.anchor === round)
    }
    expect(closes).toEqual([])
    expect(server.logs.filter((l) => l.code === 4409)).toEqual([])
  })

  const withSlowHeartbeat = testWithServer({ authSecret: SECRET, heartbeatIntervalMs: 2_000 })

  withSlowHeartbeat('is never refused before the server notices its old socket is gone: the heartbeat frees the id', async ({ server, clients }) => {
    const proxy = await partitioningProxy(server)
    try {
      const alice = connectClient(proxy.wsUrl, 'partition', { params: { token: await tokenOf('partition', 'Alice', 'write') } })
      const bob = connectClient(server.wsUrl, 'partition', { params: { token: await tokenOf('partition', 'Bob', 'read') } })
      clients.push(alice, bob)
      await Promise.all([synced(alice), synced(bob)])
      const aliceId = alice.doc.clientID
      const closes: unknown[] = []
      alice.provider.on('closed', (event) => closes.push(event))
      alice.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
      await waitFor('Bob sees Alice’s caret', () => statesSeenBy(bob).get(aliceId)?.cursor?.anchor === 1)

      const room = server.server.registry.get('partition')!
      proxy.partition()
      await waitFor('Alice sees her socket close', () => !alice.provider.wsconnected)
      await waitFor('Alice reconnects while her old socket is still open on the server', () => alice.provider.synced && room.connections.size === 3)
      alice.provider.awareness.setLocalStateField('cursor', { anchor: 2 })
      await waitFor('the move is ignored, with a log line', () => server.logs.some((l) => l.msg === 'ignored awareness for a client id another connection holds'))
      expect(statesSeenBy(bob).get(aliceId)?.cursor?.anchor).toBe(1)

      await waitFor('the heartbeat ends the old socket', () => room.connections.size === 2, 6_000)
      alice.provider.awareness.setLocalStateField('cursor', { anchor: 3 })
      await waitFor('Bob sees Alice’s caret move again', () => statesSeenBy(bob).get(aliceId)?.cursor?.anchor === 3)
      expect(statesSeenBy(bob).get(aliceId)!.user).toEqual({ id: 'alice', name: 'Alice' })
      expect(closes).toEqual([])
      expect(server.logs.filter((l) => l.code === 4409)).toEqual([])
      expect(server.logs.filter((l) => l.msg === 'ignored awareness for a client id another connection holds')).toHaveLength(1)
    } finally {
      proxy.close()
    }
  })
})

describe('without access tokens', () => {
  const open = testWithServer()
  const raws: RawClient[] = []
  afterEach(() => {
    for (const raw of raws.splice(0)) raw.ws.terminate()
  })

  open('a connection cannot move or remove another connection’s caret: its entries are ignored, with one log line', async ({ server, connect }) => {
    const alice = connect('open')
    const bob = connect('open')
    await Promise.all([synced(alice), synced(bob)])
    alice.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
    await waitFor('Bob sees Alice’s caret', () => statesSeenBy(bob).get(alice.doc.clientID)?.cursor?.anchor === 1)
    const other = await rawSocket(server.wsUrl, 'open')
    raws.push(other)
    // Without tokens there is no telling another client from Alice reconnecting before her old socket closed.
    other.ws.send(awarenessFrame(alice.doc.clientID, clockOf(alice) + 1, { cursor: { anchor: 99 } }))
    other.ws.send(awarenessFrame(alice.doc.clientID, clockOf(alice) + 2, null))
    other.ws.send(awarenessFrame(4321, 1, { cursor: { anchor: 7 } }))
    await waitFor('the other connection’s own state reaches Bob', () => statesSeenBy(bob).get(4321)?.cursor?.anchor === 7)
    expect(statesSeenBy(bob).get(alice.doc.clientID)).toEqual({ cursor: { anchor: 1 } })
    expect(other.ws.readyState).toBe(other.ws.OPEN)
    expect(server.logs.filter((l) => l.msg === 'ignored awareness for a client id another connection holds')).toEqual([
      expect.objectContaining({ room: 'open', clientId: alice.doc.clientID }),
    ])
  })
})

describe.skipIf(!services.isAvailable)('across instances sharing the room through PostgreSQL and Redis', () => {
  let db: TestDatabase
  const servers: TestServer[] = []
  const clients: TestClient[] = []
  beforeAll(async () => {
    db = await createTestDatabase()
    const prefix = uniqueRedisPrefix()
    for (let i = 0; i < 2; i++) servers.push(await startServer({ authSecret: SECRET, databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix }))
  })
  afterAll(async () => {
    for (const client of clients) client.destroy()
    for (const server of servers) await server.close()
    await db?.drop()
  })

  it('another user on another instance who writes the client id is closed with 4409', async () => {
    const [here, there] = servers as [TestServer, TestServer]
    const alice = connectClient(here.wsUrl, 'shared', { params: { token: await tokenOf('shared', 'Alice', 'write') } })
    const bob = connectClient(there.wsUrl, 'shared', { params: { token: await tokenOf('shared', 'Bob', 'read') } })
    clients.push(alice, bob)
    await Promise.all([synced(alice), synced(bob)])
    alice.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
    await waitFor('Bob, on the other instance, sees Alice’s caret', () => statesSeenBy(bob).get(alice.doc.clientID)?.cursor?.anchor === 1)
    const seenByBob = historyOf(bob, alice.doc.clientID)
    const mallory = await rawSocket(there.wsUrl, 'shared', { token: await tokenOf('shared', 'Mallory', 'read') })
    try {
      mallory.ws.send(awarenessFrame(alice.doc.clientID, clockOf(alice) + 1, { cursor: { anchor: 99 } }))
      expect(await closedWithin(mallory)).toEqual({ code: 4409, reason: `awareness client id ${alice.doc.clientID} belongs to another user` })
      await sleep(200)
      expect(seenByBob).toEqual([])
      expect(statesSeenBy(alice).get(alice.doc.clientID)).toEqual({ cursor: { anchor: 1 } })
    } finally {
      mallory.ws.terminate()
    }
  })
})

/**
 * A TCP proxy in front of `server` whose connections can fail as a network
 * does: the client sees its socket drop, while the server's socket stays
 * open and hears nothing more, not even the answer to a ping.
 */
async function partitioningProxy(server: TestServer) {
  const open = new Set<{ client: net.Socket; upstream: net.Socket }>()
  const cut: net.Socket[] = []
  const proxy = net.createServer((client) => {
    const upstream = net.connect(server.port, '127.0.0.1')
    const pair = { client, upstream }
    open.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as net.AddressInfo
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    partition(): void {
      for (const { client, upstream } of open) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        upstream.pause()
        cut.push(upstream)
        client.destroy()
      }
      open.clear()
    },
    close(): void {
      for (const { client, upstream } of open) {
        client.destroy()
        upstream.destroy()
      }
      for (const upstream of cut) upstream.destroy()
      proxy.close()
    },
  }
}

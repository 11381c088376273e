import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { Redis } from 'ioredis'
import * as Y from 'yjs'
import { encodeBusMessage } from '../src/scale/bus-messages.js'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('ignores-malformed-messages-from-redis')

describe.skipIf(!services.isAvailable)('messages on a room\'s Redis channel', () => {
  let db: TestDatabase
  let server: TestServer
  let redis: Redis
  let client: TestClient
  let channel: string
  const room = 'bus-input'

  beforeAll(async () => {
    db = await createTestDatabase()
    const prefix = uniqueRedisPrefix()
    channel = `${prefix}room:${room}`
    server = await startServer({ databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix })
    redis = new Redis(TEST_REDIS_URL)
    client = connectClient(server.wsUrl, room)
    await synced(client)
  })
  afterAll(async () => {
    client?.destroy()
    redis?.disconnect()
    await server?.close()
    await db?.drop()
  })

  const publish = (bytes: Uint8Array) => redis.publish(channel, Buffer.from(bytes))
  const logged = (msg: string, reason: RegExp) =>
    waitFor(`log "${msg}" with a reason matching ${reason}`, () => server.logs.some((l) => l.msg === msg && reason.test(String(l.reason))))

  it('are ignored with a log line naming the problem when they are not ours or cannot be applied', async () => {
    await publish(new Uint8Array([0xff, 0xff]))
    await logged('ignored a malformed message from Redis', /integer out of range|unexpected end/)
    const wrongVersion = encoding.createEncoder()
    encoding.writeVarUint(wrongVersion, 9)
    await publish(encoding.toUint8Array(wrongVersion))
    await logged('ignored a malformed message from Redis', /bus protocol version 9/)
    await publish(encodeBusMessage({ kind: 'update', sender: 'intruder', payload: new Uint8Array([1, 2, 3]) }))
    await logged('ignored an update from Redis that could not be applied', /update/)
    await publish(encodeBusMessage({ kind: 'awareness', sender: 'intruder', payload: new Uint8Array([5]) }))
    await logged('ignored an awareness update from Redis that could not be applied', /awareness update could not be decoded/)

    // The room carries on: its client still writes and reads.
    client.doc.getText('t').insert(0, 'still here')
    const serverRoom = server.server.registry.get(room)!
    await waitFor('the write reaches the room and is stored', () => serverRoom.doc.getText('t').toString() === 'still here' && !serverRoom.hasUnstoredWrites)
    expect((await server.server.storage.load(room)).logCount).toBe(1)
  })

  it('are applied and passed to local clients when another instance sends a stored update', async () => {
    const elsewhere = new Y.Doc()
    Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(client.doc))
    elsewhere.getText('t').insert(0, 'from another instance: ')
    const update = Y.encodeStateAsUpdate(elsewhere, Y.encodeStateVector(client.doc))
    await publish(encodeBusMessage({ kind: 'update', sender: 'another-instance', payload: update }))
    await waitFor('the client receives it', () => client.doc.getText('t').toString() === 'from another instance: still here')
  })
})

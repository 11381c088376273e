/**
 * On PostgreSQL a commit takes long enough for a client's next keystroke to
 * queue behind it. When the commit fails, the room is dropped; the
 * keystroke queued behind it depends on the failed one, so it must fail
 * too: stored alone, the log would hold an update whose dependency was
 * never stored, and other instances would be sent it through Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import pg from 'pg'
import * as Y from 'yjs'
import { CLOSE_INTERNAL_ERROR } from '@ortak/protocol'
import { decodeBusMessage } from '../src/scale/bus-messages.js'
import { rawSocket, startServer, waitFor, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'
import { encodeUpdate } from '../src/protocol/messages.js'

const services = await probeScaleOutServices('a-failed-write-fails-the-writes-queued-behind-it')

const MARKER = 'FAIL-THIS-WRITE'

describe.skipIf(!services.isAvailable)('a failed write on PostgreSQL', () => {
  let db: TestDatabase
  let server: TestServer
  let admin: pg.Client
  let subscriber: Redis
  const published: string[] = []
  const room = 'queued-behind'

  beforeAll(async () => {
    db = await createTestDatabase()
    const prefix = uniqueRedisPrefix()
    server = await startServer({ databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix })
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    // Slow, then failing, for the one update holding MARKER: the next update queues behind it meanwhile.
    await admin.query(`CREATE FUNCTION fail_marked() RETURNS trigger AS $$ BEGIN
      IF position(convert_to('${MARKER}', 'UTF8') in NEW.data) > 0 THEN
        PERFORM pg_sleep(0.3);
        RAISE EXCEPTION 'disk full (simulated by trigger)';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`)
    await admin.query('CREATE TRIGGER fail_marked BEFORE INSERT ON ortak_updates FOR EACH ROW EXECUTE FUNCTION fail_marked()')
    subscriber = new Redis(TEST_REDIS_URL)
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      const decoded = decodeBusMessage(new Uint8Array(message))
      published.push(decoded.kind)
    })
    await subscriber.subscribe(`${prefix}room:${room}`)
  })
  afterAll(async () => {
    subscriber?.disconnect()
    await admin?.end()
    await server?.close()
    await db?.drop()
  })

  it('fails the update queued behind it too: nothing that depends on the failed update is stored or published', async () => {
    const writer = new Y.Doc()
    const text = writer.getText('t')
    text.insert(0, MARKER)
    const failing = Y.encodeStateAsUpdate(writer)
    const before = Y.encodeStateVector(writer)
    text.insert(text.length, ' and the next keystroke')
    const dependent = Y.encodeStateAsUpdate(writer, before)

    const socket = await rawSocket(server.wsUrl, room)
    socket.ws.send(encodeUpdate(failing))
    // Sent while the first commit is still running, so it waits in the next batch.
    await new Promise((resolve) => setTimeout(resolve, 100))
    socket.ws.send(encodeUpdate(dependent))
    expect((await socket.closed).code).toBe(CLOSE_INTERNAL_ERROR)

    await waitFor('the room is dropped', () => server.server.registry.get(room) === undefined)
    const stored = await server.server.storage.load(room)
    expect(stored.updates).toEqual([])
    expect(published.filter((kind) => kind === 'update')).toEqual([])
    expect(server.logs.filter((l) => l.msg === 'storage failed: dropping the room so nothing unstored is served')).toHaveLength(1)
  })
})

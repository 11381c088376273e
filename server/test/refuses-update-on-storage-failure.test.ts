import Database from 'better-sqlite3'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { MESSAGE_STORED } from '@ortak/protocol'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { encodeUpdate } from '../src/protocol/messages.js'
import { connectClient, rawSocket, synced, testWithServer, waitFor } from './helpers.js'
import { png, sha256 } from './pictures.js'
import { textUpdate } from './security-helpers.js'

// The failing write is real: another connection to the database file installs a trigger that makes
// SQLite abort every insert into the update log, as a full disk or a read-only file would.
const FAIL_WRITES = `CREATE TRIGGER fail_writes BEFORE INSERT ON updates BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated by trigger)'); END`

const storedCounts = (messages: Uint8Array[]) => messages.filter((m) => m[0] === MESSAGE_STORED).map((m) => m[1]!)

const test = testWithServer().extend<{ db: Database.Database }>({
  /** Another connection to the server's database file, to break its writes with FAIL_WRITES. */
  db: async ({ server }, use) => {
    const db = new Database(databaseFile(server.dataDir))
    await use(db)
    db.close()
  },
})

describe('when storage fails', () => {
  test('an update is refused, never acknowledged, and its sender disconnected with 1011', async ({ server, db }) => {
    const sender = await rawSocket(server.wsUrl, 'acked', { ack: '1' })
    sender.ws.send(encodeUpdate(textUpdate('stored')))
    await waitFor('the first update is acknowledged', () => storedCounts(sender.messages).includes(1))
    db.exec(FAIL_WRITES)
    sender.ws.send(encodeUpdate(textUpdate('not stored', 'u')))
    const closed = await sender.closed
    expect(closed).toEqual({ code: 1011, reason: 'storage failed: your changes were not stored; reconnect to send them again' })
    expect(storedCounts(sender.messages)).toEqual([1])
    expect(server.logs.filter((l) => l.msg === 'storage failed: dropping the room so nothing unstored is served'))
      .toEqual([expect.objectContaining({ room: 'acked' })])
    expect(server.server.registry.get('acked')).toBeUndefined()
  })

  test('an edit is never shown to others before it is stored, and the stock provider sends it again once storage is back', async ({ server, clients, db }) => {
    const writer = connectClient(server.wsUrl, 'outage')
    const reader = connectClient(server.wsUrl, 'outage')
    clients.push(writer, reader)
    await Promise.all([synced(writer), synced(reader)])
    writer.doc.getText('t').insert(0, 'before;')
    await waitFor('the reader has the first edit', () => reader.doc.getText('t').toString() === 'before;')

    db.exec(FAIL_WRITES)
    const disconnected = new Promise<CloseEvent | null>((resolve) => writer.provider.once('connection-close', resolve))
    writer.doc.getText('t').insert(7, 'during outage;')
    expect((await disconnected)?.code).toBe(1011)
    // The provider keeps reconnecting and resending while every write fails; the reader never sees the edit.
    await waitFor('several refused attempts', () => server.logs.filter((l) => l.msg?.startsWith('storage failed')).length >= 3)
    expect(reader.doc.getText('t').toString()).toBe('before;')

    db.exec('DROP TRIGGER fail_writes')
    await waitFor('the reader gets the edit once it is stored', () => reader.doc.getText('t').toString() === 'before;during outage;')
    await waitFor('the writer is back', () => writer.provider.synced)

    await server.close()
    const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
    const doc = new Y.Doc()
    for (const update of (await storage.load('outage')).updates) Y.applyUpdate(doc, update)
    await storage.close()
    expect(doc.getText('t').toString()).toBe('before;during outage;')
  })

  test('an upload is answered 503 naming the failure, nothing of it is kept, and the same upload succeeds once storage is back', async ({ server, db }) => {
    // Files already in the database (the server created the tables when it opened it).
    db.exec("CREATE TRIGGER fail_files BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated by trigger)'); END")
    const upload = () => fetch(`${server.url}/api/rooms/pictures/files`, { method: 'POST', body: png })
    const failed = await upload()
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('5')
    expect(await failed.json()).toEqual({
      status: 503, message: 'storage failed: SQLite could not store a file of room "pictures": disk I/O error (simulated by trigger)',
    })
    expect(db.prepare('SELECT count(*) AS n FROM room_files').get()).toEqual({ n: 0 })
    db.exec('DROP TRIGGER fail_files')
    expect((await upload()).status).toBe(201)
    expect((await fetch(`${server.url}/api/rooms/pictures/files/${sha256(png)}`)).status).toBe(200)
  })
})

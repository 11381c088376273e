/**
 * Yjs integrates an update client by client, highest client id first, and
 * can throw part-way: what it integrated before the throw is in the room's
 * document although the update was refused. Such a room must never serve
 * that part: what it serves must always equal what is stored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CLOSE_INVALID_PAYLOAD, CLOSE_SERVICE_RESTART } from '@ortak/protocol'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { encodeUpdate } from '../src/protocol/messages.js'

const INJECTED = 'injected by a hostile client'

/**
 * One well-formed update of two clients: client 200 inserts INJECTED into
 * Y.Text `t`; client 100's only item names as its origin a clock of its own
 * client that does not exist, which makes Yjs throw after client 200's part
 * is integrated.
 */
function halfApplicableUpdate(): Uint8Array {
  const STRING_CONTENT = 4
  const HAS_ORIGIN = 0b1000_0000
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 2) // clients
  encoding.writeVarUint(e, 1) // structs of client 200
  encoding.writeVarUint(e, 200)
  encoding.writeVarUint(e, 0) // first clock
  encoding.writeUint8(e, STRING_CONTENT) // no origins: the parent follows
  encoding.writeVarUint(e, 1) // parent is a root type, by name
  encoding.writeVarString(e, 't')
  encoding.writeVarString(e, INJECTED)
  encoding.writeVarUint(e, 1) // structs of client 100
  encoding.writeVarUint(e, 100)
  encoding.writeVarUint(e, 0)
  encoding.writeUint8(e, STRING_CONTENT | HAS_ORIGIN)
  encoding.writeVarUint(e, 100) // origin: client 100...
  encoding.writeVarUint(e, 5) // ...clock 5, which it never had
  encoding.writeVarString(e, 'x')
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

/** The text `t` of the room as its storage holds it, read back from storage. */
async function storedText(server: TestServer, room: string): Promise<string> {
  const doc = new Y.Doc()
  for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'))
/** Client 1 sets `m.k` to a new Y.Map. */
const MAP_ENTRY = hex('010101002701016d016b0100')
/**
 * Client 3 writes one map entry two clocks long that refers into the middle
 * of client 1's entry: Yjs integrates it and then throws in its garbage
 * collection, while cleaning up the transaction.
 */
const BREAKS_CLEANUP = hex('0102030028000100016b047d017d027d037d04810302030101010001')

describe('an update Yjs throws on part-way', () => {
  let server: TestServer | undefined
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await server?.close()
  })
  const connect = (room: string) => {
    const client = connectClient(server!.wsUrl, room)
    clients.push(client)
    return client
  }

  it('is refused, and leaves in what the room serves nothing that is not stored, before and after a restart', async () => {
    server = await startServer()
    const room = 'half-applied'
    const victim = connect(room)
    await synced(victim)
    victim.doc.getText('t').insert(0, 'honest text')
    await waitFor('the honest edit is stored', async () => (await storedText(server!, room)) === 'honest text')

    const hostile = await rawSocket(server.wsUrl, room)
    hostile.ws.send(encodeUpdate(halfApplicableUpdate()))
    expect((await hostile.closed).code).toBe(CLOSE_INVALID_PAYLOAD)

    // A client joining now is served exactly what is stored.
    const newcomer = connect(room)
    await synced(newcomer)
    expect(newcomer.doc.getText('t').toString()).toBe('honest text')
    expect(await storedText(server, room)).toBe('honest text')

    // The victim keeps editing, and what it types is stored and reaches the newcomer.
    victim.doc.getText('t').insert(11, ', still here')
    await waitFor('the victim’s next edit reaches the newcomer', () => newcomer.doc.getText('t').toString() === 'honest text, still here')
    await waitFor('and is stored', async () => (await storedText(server!, room)) === 'honest text, still here')
    expect(victim.doc.getText('t').toString()).toBe('honest text, still here')

    // A restart serves the same document.
    const { dataDir } = server
    for (const client of clients.splice(0)) client.destroy()
    await server.close()
    server = await startServer({ dataDir })
    const afterRestart = connect(room)
    await synced(afterRestart)
    expect(afterRestart.doc.getText('t').toString()).toBe('honest text, still here')
    expect(server.logs.some((line) => line.level >= 50)).toBe(false)
  })

  it('while cleaning up its transaction leaves the process up and the room serving what is stored', async () => {
    server = await startServer()
    const room = 'cleanup'
    const seeder = await rawSocket(server.wsUrl, room)
    seeder.ws.send(encodeUpdate(MAP_ENTRY))
    await waitFor('the map entry is stored', async () => (await server!.server.storage.load(room)).updates.length === 1)
    const victim = connect(room)
    await synced(victim)

    seeder.ws.send(encodeUpdate(BREAKS_CLEANUP))
    // Its entry claims a neighbour inside client 1's entry, which no writer can have seen: that is found once it
    // is integrated, before the cleanup would throw. Either way the room is reloaded and everyone reconnects.
    const refusal = await seeder.closed
    expect(refusal.code).toBe(CLOSE_INVALID_PAYLOAD)
    expect(refusal.reason).toMatch(/^update places items where their writer could not have: item 3:\d+ /)
    const newcomer = connect(room)
    await synced(newcomer)
    const stored = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(stored, update)
    expect(Y.encodeStateVector(newcomer.doc)).toEqual(Y.encodeStateVector(stored))
    expect(Y.getState(newcomer.doc.store, 3)).toBe(0)
    expect(server.logs.filter((l) => l.msg === 'a refused update changed the document in memory: reloading the room from storage')).toHaveLength(1)
    // The victim is back, and still edits.
    victim.doc.getText('t').insert(0, 'after the reload')
    await waitFor('the victim’s edit reaches the newcomer', () => newcomer.doc.getText('t').toString() === 'after the reload')
  })
})

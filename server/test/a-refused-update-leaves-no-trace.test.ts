/**
 * Yjs integrates an update client by client, highest client id first, and
 * can throw part-way: what it integrated before the throw is in the room's
 * document although the update was refused. Such a room must never serve
 * that part: what it serves must always equal what is stored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
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
})

import { afterEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { databaseFile } from '../src/server.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, rawSocket, startServer, synced, tempDir, waitFor, type TestClient, type TestServer } from './helpers.js'
import { buildUpdate } from './hostile-updates.js'

/** Two GC structs for client 7 of lengths 2^53 - 1 and 1: each varint in range, their sum 2^53 past every bound. */
const CLOCK_PAST_2_53 = buildUpdate({ clients: [{ client: 7, clock: 0, structs: [{ kind: 'gc', length: 2 ** 53 - 1 }, { kind: 'gc', length: 1 }] }], deletes: [] })

function syncFrame(syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  encoding.writeVarUint(e, syncType)
  encoding.writeVarUint8Array(e, payload)
  return encoding.toUint8Array(e)
}

/** The updates of the sync step 2 messages among `messages`. */
function syncStep2s(messages: Uint8Array[]): Uint8Array[] {
  const updates = []
  for (const message of messages) {
    const decoder = decoding.createDecoder(message)
    if (decoding.readVarUint(decoder) === 0 && decoding.readVarUint(decoder) === 1) updates.push(decoding.readVarUint8Array(decoder))
  }
  return updates
}

describe('clocks past the bound', () => {
  const servers: TestServer[] = []
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const server of servers.splice(0)) await server.close()
  })

  it('close the connection that sends them, and neither reach storage nor lock out the clients that come next', async () => {
    const dataDir = tempDir()
    const server = await startServer({ dataDir })
    servers.push(server)
    const bad = await rawSocket(server.wsUrl, 'clock-room')
    bad.ws.send(syncFrame(2, CLOCK_PAST_2_53))
    const accepted = new Promise((resolve) => setTimeout(() => resolve('not closed within 5 s'), 5_000))
    expect(await Promise.race([bad.closed, accepted])).toEqual({ code: 1007, reason: "update could not be decoded: client 7's clock would pass 4294967295" })

    const writer = connectClient(server.wsUrl, 'clock-room')
    clients.push(writer)
    await synced(writer)
    writer.doc.getText('t').insert(0, 'still editable')
    await waitFor('the write is stored', async () => (await server.server.storage.load('clock-room')).updates.length > 0)
    await server.close()
    servers.pop()

    // Restarted on the same data: nothing of client 7, and a reconnecting client syncs.
    const restarted = await startServer({ dataDir })
    servers.push(restarted)
    const reader = connectClient(restarted.wsUrl, 'clock-room')
    clients.push(reader)
    await synced(reader)
    expect(reader.doc.getText('t').toString()).toBe('still editable')
    expect(Y.getState(reader.doc.store, 7)).toBe(0)
  })

  it('held by a room stored before they were bounded still let it answer the clients holding them', async () => {
    const dataDir = tempDir()
    const legacy = new Y.Doc()
    Y.applyUpdate(legacy, CLOCK_PAST_2_53)
    legacy.getText('t').insert(0, 'from before the bound')
    const storage = new SqliteStorage({ file: databaseFile(dataDir) })
    await storage.append([{ room: 'legacy-room', update: Y.encodeStateAsUpdate(legacy), generation: 0 }])
    await storage.close()
    const server = await startServer({ dataDir })
    servers.push(server)

    // A client holding the document announces clock 2^53 for client 7 in its sync step 1.
    const stateVector = Y.encodeStateVector(legacy)
    expect(Y.decodeStateVector(stateVector).get(7)).toBe(2 ** 53)
    const holder = await rawSocket(server.wsUrl, 'legacy-room')
    holder.ws.send(syncFrame(0, stateVector))
    await waitFor('the holder is answered', () => syncStep2s(holder.messages).length === 1)
    const [reply] = syncStep2s(holder.messages)
    const holderDoc = new Y.Doc()
    Y.applyUpdate(holderDoc, Y.encodeStateAsUpdate(legacy))
    Y.applyUpdate(holderDoc, reply!)
    expect(holderDoc.getText('t').toString()).toBe('from before the bound')
    // Answered and kept: it is answered again, as often as it asks.
    holder.ws.send(syncFrame(0, stateVector))
    await waitFor('the holder is answered again', () => syncStep2s(holder.messages).length === 2)
    expect(holder.ws.readyState).toBe(holder.ws.OPEN)

    // A client that holds nothing yet is sent the whole document, clock 2^53 and all.
    const fresh = connectClient(server.wsUrl, 'legacy-room')
    clients.push(fresh)
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('from before the bound')
    expect(Y.getState(fresh.doc.store, 7)).toBe(2 ** 53)

    // A stock provider holding it syncs (its sync step 2 repeats the delete range up to 2^53) and edits.
    const holdingDoc = new Y.Doc()
    Y.applyUpdate(holdingDoc, Y.encodeStateAsUpdate(legacy))
    const editor = connectClient(server.wsUrl, 'legacy-room', { doc: holdingDoc })
    clients.push(editor)
    await synced(editor)
    holdingDoc.getText('t').insert(0, 'edited: ')
    await waitFor('the edit reaches the fresh client', () => fresh.doc.getText('t').toString() === 'edited: from before the bound')
    expect(editor.provider.wsconnected).toBe(true)
    expect(server.logs.filter((line) => line.msg === 'closing connection: bad input')).toEqual([])
  })
})

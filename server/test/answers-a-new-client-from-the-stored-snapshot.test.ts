import { afterEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_AWARENESS, MESSAGE_SYNC, SYNC_STEP_2, SYNC_UPDATE } from '@ortak/protocol'
import { encodeSyncStep1, encodeUpdate } from '../src/protocol/messages.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { rawSocket, startServer, tempDir, waitFor, type TestServer } from './helpers.js'
import { awarenessFrame } from './security-helpers.js'

/** What a client holding nothing sends first: sync step 1 with an empty state vector. */
const EMPTY_SYNC_STEP_1 = encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))

/** The update carried by each sync step 2 message among `messages`. */
const step2Updates = (messages: Uint8Array[]) => messages.filter((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP_2).map((m) => {
  const decoder = decoding.createDecoder(m)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
})

/** The updates of the update and sync step 2 messages among `messages`, in order, through the first sync step 2. */
function documentUpdatesThroughStep2(messages: Uint8Array[]): Uint8Array[] {
  const updates: Uint8Array[] = []
  for (const m of messages) {
    if (m[0] !== MESSAGE_SYNC || (m[1] !== SYNC_STEP_2 && m[1] !== SYNC_UPDATE)) continue
    const decoder = decoding.createDecoder(m)
    decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    updates.push(decoding.readVarUint8Array(decoder))
    if (m[1] === SYNC_STEP_2) break
  }
  return updates
}

const textOf = (update: Uint8Array) => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

/** A data directory holding room "stored" as one compacted snapshot, as after an unload or a restart. */
async function storedRoom(text: string): Promise<{ dataDir: string; snapshot: Uint8Array; doc: Y.Doc }> {
  const dataDir = tempDir()
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  const snapshot = Y.encodeStateAsUpdate(doc)
  const storage = new SqliteStorage({ file: databaseFile(dataDir) })
  const [seq] = await storage.append([{ room: 'stored', update: snapshot, generation: 0 }])
  await storage.compact('stored', snapshot, seq!, 0)
  await storage.close()
  return { dataDir, snapshot, doc }
}

describe('a room loaded from a stored snapshot', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  it('answers a client that holds nothing with the stored snapshot as it is, and still handles what the client sent next', async () => {
    const { dataDir, snapshot } = await storedRoom('paragraph one, paragraph two')
    server = await startServer({ dataDir })
    const client = await rawSocket(server.wsUrl, 'stored')
    client.ws.send(EMPTY_SYNC_STEP_1)
    client.ws.send(awarenessFrame(77, 1, { user: 'Ada' }))
    await waitFor('the sync step 2 reply', () => step2Updates(client.messages).length === 1)
    expect(Buffer.from(step2Updates(client.messages)[0]!)).toEqual(Buffer.from(snapshot))
    // The awareness frame sent right after is relayed back to its sender.
    await waitFor('its awareness echoed', () => client.messages.some((m) => m[0] === MESSAGE_AWARENESS && Buffer.from(m).toString().includes('Ada')))
    client.ws.close()
  })

  it('answers with the edit too, not the stale snapshot alone, once an edit has been applied', async () => {
    const { dataDir, doc } = await storedRoom('stored text')
    server = await startServer({ dataDir })
    const writer = await rawSocket(server.wsUrl, 'stored')
    writer.ws.send(EMPTY_SYNC_STEP_1)
    await waitFor('the writer is synced', () => step2Updates(writer.messages).length === 1)
    const before = Y.encodeStateVector(doc)
    doc.getText('t').insert(0, 'edited: ')
    writer.ws.send(encodeUpdate(Y.encodeStateAsUpdate(doc, before)))
    await waitFor('the edit is stored', () => {
      const room = server!.server.registry.get('stored')
      return room !== undefined && room.doc.getText('t').toString() === 'edited: stored text' && !room.hasUnstoredWrites
    })
    const reader = await rawSocket(server.wsUrl, 'stored')
    reader.ws.send(EMPTY_SYNC_STEP_1)
    await waitFor('the reader\'s reply', () => step2Updates(reader.messages).length === 1)
    // The snapshot may come with the updates applied after it, sent before it: the reader holds both at its sync step 2.
    const answered = new Y.Doc()
    for (const update of documentUpdatesThroughStep2(reader.messages)) Y.applyUpdate(answered, update)
    expect(answered.getText('t').toString()).toBe('edited: stored text')
    writer.ws.close()
    reader.ws.close()
  })

  it('sends a client that holds part of the document only what it lacks', async () => {
    const long = 'a long first paragraph '.repeat(40)
    const { dataDir, doc } = await storedRoom(long)
    const partial = new Y.Doc()
    Y.applyUpdate(partial, Y.encodeStateAsUpdate(doc))
    doc.getText('t').insert(long.length, 'and a second')
    const storage = new SqliteStorage({ file: databaseFile(dataDir) })
    const snapshot = Y.encodeStateAsUpdate(doc)
    const [seq] = await storage.append([{ room: 'stored', update: snapshot, generation: 0 }])
    await storage.compact('stored', snapshot, seq!, 0)
    await storage.close()

    server = await startServer({ dataDir })
    const client = await rawSocket(server.wsUrl, 'stored')
    const stateVector = Y.encodeStateVector(partial)
    client.ws.send(encodeSyncStep1(stateVector))
    await waitFor('the reply', () => step2Updates(client.messages).length === 1)
    const reply = step2Updates(client.messages)[0]!
    expect(reply.byteLength).toBeLessThan(snapshot.byteLength / 10)
    Y.applyUpdate(partial, reply)
    expect(partial.getText('t').toString()).toBe(`${long}and a second`)
    client.ws.close()
  })
})

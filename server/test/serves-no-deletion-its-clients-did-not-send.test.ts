/**
 * Yjs tidies formatting on its own after remote changes to a formatted
 * text, deleting format marks it finds redundant. A room that let it would
 * serve deletions no client sent and its storage never holds: a restart
 * would bring the marks back. The room holds only what clients sent.
 */
import { describe, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_STORED, MESSAGE_SYNC, SYNC_STEP_2 } from '@ortak/protocol'
import { encodeSyncStep1, encodeSyncStep2, encodeUpdate } from '../src/protocol/messages.js'
import { yDocFromUpdates } from '../src/documents/replica-doc.js'
import { STRONG_HELLO, concurrentStrong, firstText } from './concurrent-formatting.js'
import { rawSocket, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

const storedCount = (messages: Uint8Array[]) =>
  messages.filter((m) => m[0] === MESSAGE_STORED).map((m) => decoding.readVarUint(decoding.createDecoder(m.subarray(1)))).at(-1) ?? 0

describe('a room whose clients leave redundant formatting', () => {
  test('serves and holds no deletion they did not send, and exactly what it stored', async ({ server }) => {
    const room = 'concurrent-strong'
    const writer = await rawSocket(server.wsUrl, room, { ack: '1' })
    // As a provider does, it first answers the room's sync step 1: the first document message acknowledged.
    writer.ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())))
    await waitFor('the answer stored', () => storedCount(writer.messages) === 1)
    // One frame at a time, as two providers' updates reach the room: each its own transaction there.
    const { base, first, second } = concurrentStrong()
    const updates = [base, first, second]
    for (const [at, update] of updates.entries()) {
      writer.ws.send(encodeUpdate(update))
      await waitFor(`update ${at + 1} stored`, () => storedCount(writer.messages) === at + 2)
    }

    const joiner = await rawSocket(server.wsUrl, room)
    joiner.ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())))
    await waitFor('the sync step 2', () => joiner.messages.some((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP_2))
    const reply = decoding.createDecoder(joiner.messages.find((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP_2)!.subarray(2))
    const served = Y.decodeUpdate(decoding.readVarUint8Array(reply))
    expect(served.ds.clients.size).toBe(0)
    expect(Y.createDeleteSetFromStructStore(server.server.registry.get(room)!.doc.store).clients.size).toBe(0)

    const stored = yDocFromUpdates((await server.server.storage.load(room)).updates)
    expect(Y.encodeStateAsUpdate(server.server.registry.get(room)!.doc)).toEqual(Y.encodeStateAsUpdate(stored))
    expect(firstText(stored).toDelta()).toEqual(STRONG_HELLO)
    writer.ws.close()
    joiner.ws.close()
  })
})

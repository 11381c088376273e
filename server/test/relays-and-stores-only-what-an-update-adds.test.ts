/**
 * An update that repeats structs the room holds is relayed and stored cut
 * to what it adds (rooms/new-part.ts). Relayed as sent, it made stock
 * providers throw ("reading 'origin'") where their copy held the struct
 * before the repeated part garbage collected, and they dropped the rest.
 */
import { describe, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_STORED, MESSAGE_SYNC, SYNC_UPDATE } from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

/** The updates of the update messages among `frames`. */
function relayedUpdates(frames: readonly Uint8Array[]): Uint8Array[] {
  return frames.filter((frame) => frame[0] === MESSAGE_SYNC && frame[1] === SYNC_UPDATE).map((frame) => {
    const decoder = decoding.createDecoder(frame)
    decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    return decoding.readVarUint8Array(decoder)
  })
}

describe('an update that repeats what the room holds', () => {
  test('is relayed and stored as only the structs the room lacked, and every client ends with the same text', async ({ server, connect }) => {
    const room = 'repeats'
    const listener = connect(room)
    await synced(listener)
    const writer = new Y.Doc()
    writer.clientID = 77
    writer.getText('t').insert(0, 'abc')
    const socket = await rawSocket(server.wsUrl, room, { ack: '1' })
    socket.ws.send(encodeUpdate(Y.encodeStateAsUpdate(writer)))
    await waitFor('the first update to reach the listener', () => listener.doc.getText('t').toString() === 'abc')

    const watcher = await rawSocket(server.wsUrl, room)
    writer.getText('t').insert(3, 'def')
    // Everything the writer holds, "abc" again included.
    socket.ws.send(encodeUpdate(Y.encodeStateAsUpdate(writer)))
    await waitFor('the listener to hold all of it', () => listener.doc.getText('t').toString() === 'abcdef')
    await waitFor('the watcher to be sent it', () => relayedUpdates(watcher.messages).length === 1)

    const [relayed] = relayedUpdates(watcher.messages)
    expect(Y.parseUpdateMeta(relayed!).from.get(77)).toBe(3)
    const { updates: stored } = await server.server.storage.load(room)
    expect(stored).toHaveLength(2)
    expect(Y.parseUpdateMeta(stored[1]!).from.get(77)).toBe(3)
    expect(socket.messages.filter((frame) => frame[0] === MESSAGE_STORED).length).toBeGreaterThan(0)
    socket.ws.close()
    watcher.ws.close()
  })
})

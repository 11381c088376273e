import { describe, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_SYNC, SYNC_STEP_2, SYNC_UPDATE } from '@ortak/protocol'
import { encodeSyncStep1 } from '../src/protocol/messages.js'
import { connectClient, rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const EMPTY_SYNC_STEP_1 = encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))

/** The document messages among `messages`, in order: their kind and the update each carries. */
function documentMessages(messages: readonly Uint8Array[]): Array<{ kind: number; update: Uint8Array }> {
  return messages.filter((m) => m[0] === MESSAGE_SYNC && (m[1] === SYNC_STEP_2 || m[1] === SYNC_UPDATE)).map((m) => {
    const decoder = decoding.createDecoder(m)
    decoding.readVarUint(decoder)
    const kind = decoding.readVarUint(decoder)
    return { kind, update: decoding.readVarUint8Array(decoder) }
  })
}

/** A client that holds nothing joins `room` and waits for its sync step 2; returns its document messages up to that one. */
async function join(wsUrl: string, room: string) {
  const joiner = await rawSocket(wsUrl, room)
  joiner.ws.send(EMPTY_SYNC_STEP_1)
  await waitFor('the sync step 2', () => documentMessages(joiner.messages).some((m) => m.kind === SYNC_STEP_2))
  joiner.ws.close()
  const messages = documentMessages(joiner.messages)
  return messages.slice(0, messages.findIndex((m) => m.kind === SYNC_STEP_2) + 1)
}

const test = testWithServer()

describe('a client joining a room being edited', () => {
  test('is sent the snapshot encoded for an earlier join and the updates since, the updates first, and holds the whole document at its sync step 2', async ({ server, clients }) => {
    const writer = connectClient(server.wsUrl, 'edited')
    clients.push(writer)
    await synced(writer)
    const text = writer.doc.getText('t')
    const isStored = () => !server.server.registry.get('edited')!.hasUnstoredWrites
    // Large enough to be worth keeping encoded while edits come in (a small one is encoded again).
    text.insert(0, 'a long first paragraph, typed before anyone else joined. '.repeat(1_000))
    await waitFor('the first edit reaches the room', async () => isStored() && (await join(server.wsUrl, 'edited')).length > 0)

    for (const word of ['more ', 'words ', 'typed ']) text.insert(text.length, word)
    const expected = text.toString()
    let second: Array<{ kind: number; update: Uint8Array }> = []
    await waitFor('the later edits reach the room', async () => {
      second = await join(server.wsUrl, 'edited')
      const doc = new Y.Doc()
      for (const { update } of second) Y.applyUpdate(doc, update)
      return isStored() && doc.getText('t').toString() === expected
    })
    // Later updates, then a snapshot encoded before them: no second encoding of the whole document.
    expect(second.length).toBeGreaterThan(1)
    expect(second.slice(0, -1).every((m) => m.kind === SYNC_UPDATE)).toBe(true)
    expect(second.at(-1)!.kind).toBe(SYNC_STEP_2)
    const doc = new Y.Doc()
    for (const { update } of second) Y.applyUpdate(doc, update)
    expect(doc.getText('t').toString()).toBe(expected)
  })
})

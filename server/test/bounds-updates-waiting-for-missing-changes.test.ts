/**
 * Yjs keeps an update whose dependencies it lacks "pending" and merges it
 * again with every later update, so what waits costs every keystroke of
 * the room. A room keeps at most MAX_PENDING_BYTES of such updates; one
 * more is refused with 4422 before it is applied, and what was accepted
 * is stored and applied once its dependency arrives.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_MISSING_DEPENDENCIES } from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const MAX_PENDING_BYTES = 4096
const test = testWithServer({ maxPendingBytes: MAX_PENDING_BYTES })

describe('updates that depend on changes the room never received', () => {
  test('are kept up to MAX_PENDING_BYTES; past it the sender is closed with 4422 and the room carries on', async ({ server, connect }) => {
    const room = 'gaps'
    const honest = connect(room)
    await synced(honest)

    // A client whose first change never reaches the server: everything after it waits for it.
    const hostile = new Y.Doc()
    const text = hostile.getText('t')
    text.insert(0, 'never sent')
    const missing = Y.encodeStateAsUpdate(hostile)
    const waiting: Uint8Array[] = []
    for (let i = 0; i < 12; i++) {
      const before = Y.encodeStateVector(hostile)
      text.insert(text.length, String(i % 10).repeat(500))
      waiting.push(Y.encodeStateAsUpdate(hostile, before))
    }
    const socket = await rawSocket(server.wsUrl, room)
    for (const update of waiting) socket.ws.send(encodeUpdate(update))
    const closed = await socket.closed
    expect(closed.code).toBe(CLOSE_MISSING_DEPENDENCIES)
    expect(closed.reason).toMatch(/depends on changes the room never received/)

    const loaded = server.server.registry.get(room)!
    const { pendingStructs } = loaded.doc.store
    expect(pendingStructs!.update.byteLength).toBeLessThanOrEqual(MAX_PENDING_BYTES)
    // The honest client still edits, and sees none of what waits.
    honest.doc.getText('t').insert(0, 'honest ')
    await waitFor('the honest edit is stored', () => !loaded.hasUnstoredWrites && loaded.doc.getText('t').toString() === 'honest ')

    // The missing change arrives: what was kept is applied, and it is what storage holds.
    const filler = await rawSocket(server.wsUrl, room)
    filler.ws.send(encodeUpdate(missing))
    await waitFor('the kept updates are applied', () => honest.doc.getText('t').length > 'honest never sent'.length)
    await waitFor('and stored', () => !loaded.hasUnstoredWrites)
    const stored = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(stored, update)
    expect(stored.getText('t').toString()).toBe(honest.doc.getText('t').toString())
    expect(stored.store.pendingStructs).toBeNull()
    filler.ws.close()
  })
})

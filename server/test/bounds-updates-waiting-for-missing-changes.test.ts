/**
 * An update that depends on changes the room never received is never given
 * to Yjs, which would keep it "pending" and make of it something that
 * depends on how later updates are grouped (see rooms/waiting-updates.ts).
 * A client that has answered the room's sync step 1 has sent everything
 * the room lacked, so such an update from it is refused with 4422 at once.
 * Before that answer (a reconnecting client's edit typed while it syncs)
 * the room holds the update back, up to MAX_PENDING_BYTES, and applies it
 * once the answer brings what it lacks.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_MISSING_DEPENDENCIES, MESSAGE_STORED, MESSAGE_SYNC, SYNC_STEP_1 } from '@ortak/protocol'
import { encodeSyncStep2, encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const MAX_PENDING_BYTES = 4096
const test = testWithServer({ maxPendingBytes: MAX_PENDING_BYTES })

/** A client whose first change never reached the server, and `count` changes after it that each depend on it. */
function clientWithAGap(count: number, size = 500): { missing: Uint8Array; waiting: Uint8Array[]; doc: Y.Doc } {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  text.insert(0, 'never sent')
  const missing = Y.encodeStateAsUpdate(doc)
  const waiting: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const before = Y.encodeStateVector(doc)
    text.insert(text.length, String(i % 10).repeat(size))
    waiting.push(Y.encodeStateAsUpdate(doc, before))
  }
  return { missing, waiting, doc }
}

const isSyncStep1 = (frame: Uint8Array) => frame[0] === MESSAGE_SYNC && frame[1] === SYNC_STEP_1

describe('updates that depend on changes the room never received', () => {
  test('from a client that answered the sync step 1 are refused with 4422 at once, and nothing of them is applied or stored', async ({ server, connect }) => {
    const room = 'gaps-after-sync'
    const honest = connect(room)
    await synced(honest)
    const { waiting } = clientWithAGap(1, 10)
    const socket = await rawSocket(server.wsUrl, room)
    await waitFor('the room to send its sync step 1', () => socket.messages.some(isSyncStep1))
    socket.ws.send(encodeSyncStep2(new Uint8Array([0, 0])))
    socket.ws.send(encodeUpdate(waiting[0]!))
    const closed = await socket.closed
    expect(closed.code).toBe(CLOSE_MISSING_DEPENDENCIES)
    expect(closed.reason).toMatch(/depends on changes the room never received \(client \d+ up to clock 9\)/)

    const loaded = server.server.registry.get(room)!
    expect(loaded.doc.store.pendingStructs).toBeNull()
    honest.doc.getText('t').insert(0, 'honest')
    await waitFor('the honest edit is stored', () => !loaded.hasUnstoredWrites && loaded.doc.getText('t').toString() === 'honest')
    const stored = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(stored, update)
    expect(stored.getText('t').toString()).toBe('honest')
    expect(stored.store.pendingStructs).toBeNull()
  })

  test('sent before the answer to the sync step 1 are held back, up to MAX_PENDING_BYTES, and applied and acknowledged once it brings what they lack', async ({ server, connect }) => {
    const room = 'gaps-while-syncing'
    const honest = connect(room)
    await synced(honest)
    const loaded = server.server.registry.get(room)!

    // A reconnecting client: edits typed before it answers the room's sync step 1.
    const { doc, waiting } = clientWithAGap(3)
    const socket = await rawSocket(server.wsUrl, room, { ack: '1' })
    for (const update of waiting) socket.ws.send(encodeUpdate(update))
    await waitFor('the room to send its sync step 1', () => socket.messages.some(isSyncStep1))
    // Held back: not in the room's document (nothing pending in Yjs), not stored, not relayed, not acknowledged.
    expect(loaded.doc.getText('t').toString()).toBe('')
    expect(loaded.doc.store.pendingStructs).toBeNull()
    expect(socket.messages.some((m) => m[0] === MESSAGE_STORED)).toBe(false)

    // Its answer: everything the room lacks, the held-back edits included, as the stock provider sends it.
    socket.ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(loaded.doc))))
    await waitFor('the edits to reach the honest client', () => honest.doc.getText('t').toString() === doc.getText('t').toString())
    await waitFor('every message to be acknowledged as stored', () => socket.messages.some((m) => m[0] === MESSAGE_STORED && m[1] === 4))
    const stored = new Y.Doc()
    for (const update of (await server.server.storage.load(room)).updates) Y.applyUpdate(stored, update)
    expect(stored.getText('t').toString()).toBe(doc.getText('t').toString())
    socket.ws.close()

    // Past the bound, before any answer: 4422, and what was held back is dropped with the connection.
    const flood = clientWithAGap(12)
    const hostile = await rawSocket(server.wsUrl, room)
    for (const update of flood.waiting) hostile.ws.send(encodeUpdate(update))
    const closed = await hostile.closed
    expect(closed.code).toBe(CLOSE_MISSING_DEPENDENCIES)
    expect(closed.reason).toMatch(new RegExp(`more than ${MAX_PENDING_BYTES} bytes of updates would wait for changes the room never received`))
    expect(loaded.doc.getText('t').toString()).toBe(doc.getText('t').toString())
    expect(loaded.doc.store.pendingStructs).toBeNull()
  })
})

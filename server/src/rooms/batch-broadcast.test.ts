import { pino } from 'pino'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { MESSAGE_SYNC, SYNC_UPDATE } from '@ortak/protocol'
import { testWithRoomParts, waitFor, type ConnectedClient } from '../../test/helpers.js'
import { encodeUpdate } from '../protocol/messages.js'
import type { AppendEntry, Storage } from '../storage/storage.js'
import { WriteBatcher } from '../storage/write-batcher.js'
import { Room } from './room.js'

const ROOM = 'batch'
const test = testWithRoomParts
const silent = pino({ level: 'silent' })

/** The document updates among the frames a client was sent. */
const updatesIn = (client: ConnectedClient) =>
  client.received.filter((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_UPDATE).map((m) => {
    const decoded = Y.decodeUpdate(m.subarray(3))
    expect(decoded.structs.length + decoded.ds.clients.size).toBeGreaterThan(0)
    // [sync][update][varuint length][update]: the updates in these tests are under 128 bytes.
    return m.subarray(3)
  })

/** The text a document holds after applying `updates` in order. */
function textAfter(updates: readonly Uint8Array[], base: readonly Uint8Array[] = []): string {
  const doc = new Y.Doc()
  for (const update of [...base, ...updates]) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

/** Clients that only watch, enough with the test's own to make the room a crowd (room.ts, CROWD_CONNECTIONS). */
const CROWD = 8
const watchers = (connect: () => Promise<ConnectedClient>, others: number) =>
  Promise.all(Array.from({ length: CROWD - others }, () => connect()))

/** A loaded room on `storage` with `clients` attached and greeted; `failures` collects its storage failures. */
async function openRoom(storage: Storage, clients: ConnectedClient[]) {
  const failures: Error[] = []
  const room = new Room(ROOM, storage, new WriteBatcher(storage), { compactAfterUpdates: 10_000, compactAfterBytes: 1e9 }, {
    onEmpty: () => {},
    onStorageFailure: (_, error) => failures.push(error),
    onDocumentPoisoned: (_, error) => failures.push(error),
  }, silent)
  await room.ready
  for (const client of clients) room.attach(client.connection)
  await waitFor('every client greeted', () => clients.every((client) => client.received.length > 0))
  return { room, failures }
}

/** Edits typed by a client of its own in a document that starts as `base`, one update each. */
function edits(base: readonly Uint8Array[], change: (text: Y.Text, i: number) => void, count: number): Uint8Array[] {
  const doc = new Y.Doc()
  for (const update of base) Y.applyUpdate(doc, update)
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) change(doc.getText('t'), i)
  return updates
}

describe('the updates of one turn', () => {
  test('reach every other client of a crowded room as one update, with every change of the batch, and are each stored', async ({ storage, connect }) => {
    const [sender, ...receivers] = [await connect(), ...await watchers(connect, 1)]
    const { room } = await openRoom(storage, [sender!, ...receivers])
    const typed = edits([], (text, i) => text.insert(i, 'abc'[i]!), 3)
    // In one turn: the room applies and stores them as one batch.
    for (const update of typed) room.receive(sender!.connection, encodeUpdate(update))
    for (const receiver of receivers) {
      await waitFor('the batch broadcast', () => updatesIn(receiver).length > 0)
      expect(updatesIn(receiver)).toHaveLength(1)
      expect(textAfter(updatesIn(receiver))).toBe('abc')
    }
    // The sender holds all it sent: it is sent nothing back.
    expect(updatesIn(sender!)).toEqual([])
    const stored = await storage.load(ROOM)
    expect(stored.updates.map((u) => Buffer.from(u))).toEqual(typed.map((u) => Buffer.from(u)))
  })

  test('from several senders of a crowded room reach each of them too, with the others\' changes and their own', async ({ storage, connect }) => {
    const [ada, ben, watcher, ...others] = [await connect(), await connect(), ...await watchers(connect, 2)]
    const { room } = await openRoom(storage, [ada!, ben!, watcher!, ...others])
    const [fromAda] = edits([], (text) => text.insert(0, 'ada '), 1)
    const [fromBen] = edits([], (text) => text.insert(0, 'ben '), 1)
    room.receive(ada!.connection, encodeUpdate(fromAda!))
    // As from two socket reads of one turn, each followed by its microtasks.
    await Promise.resolve()
    room.receive(ben!.connection, encodeUpdate(fromBen!))
    const both = textAfter([fromAda!, fromBen!])
    for (const client of [ada!, ben!, watcher!]) {
      await waitFor('the batch broadcast', () => updatesIn(client).length > 0)
      expect(updatesIn(client)).toHaveLength(1)
      expect(textAfter(updatesIn(client))).toBe(both)
    }
    // Ada's own change, sent back to her, changes nothing in what she holds.
    expect(textAfter(updatesIn(ada!), [fromAda!])).toBe(both)
  })

  test('that delete are sent to a crowded room as one update per transaction, in order, adding up to the same document', async ({ storage, connect }) => {
    const [sender, receiver, ...others] = [await connect(), ...await watchers(connect, 1)]
    const { room } = await openRoom(storage, [sender!, receiver!, ...others])
    const [start] = edits([], (text) => text.insert(0, 'abcdef'), 1)
    room.receive(sender!.connection, encodeUpdate(start!))
    await waitFor('the first edit broadcast', () => updatesIn(receiver!).length === 1)
    // Six updates, deleting and inserting by turns. An update that deletes ends its Yjs transaction
    // (transaction-runs.ts), so the batch is applied in four: [delete], [insert, delete] twice, [insert].
    const typed = edits([start!], (text, i) => { text.delete(0, 1); text.insert(text.length, String(i)) }, 3)
    expect(typed).toHaveLength(6)
    for (const update of typed) room.receive(sender!.connection, encodeUpdate(update))
    const expected = textAfter(typed, [start!])
    await waitFor('every transaction broadcast', () => textAfter(updatesIn(receiver!)) === expected)
    expect(updatesIn(receiver!)).toHaveLength(1 + 4)
  })

  test('reach the clients of a room of a few as they came, byte for byte', async ({ storage, connect }) => {
    const [sender, receiver] = [await connect(), await connect()]
    const { room } = await openRoom(storage, [sender!, receiver!])
    const typed = edits([], (text, i) => text.insert(i, 'abc'[i]!), 3)
    for (const update of typed) room.receive(sender!.connection, encodeUpdate(update))
    await waitFor('every update broadcast', () => updatesIn(receiver!).length === typed.length)
    expect(updatesIn(receiver!).map((u) => Buffer.from(u))).toEqual(typed.map((u) => Buffer.from(u)))
  })

  test('reach nobody in a crowded room when storing them fails', async ({ storage, connect }) => {
    const [sender, receiver, ...others] = [await connect(), ...await watchers(connect, 1)]
    const failing: Storage = Object.create(storage, {
      append: { value: (_entries: readonly AppendEntry[]) => Promise.reject(new Error('disk full')) },
    })
    const { room, failures } = await openRoom(failing, [sender!, receiver!, ...others])
    for (const update of edits([], (text, i) => text.insert(i, 'xy'[i]!), 2)) room.receive(sender!.connection, encodeUpdate(update))
    await waitFor('the storage failure', () => failures.length > 0)
    expect(failures.map((error) => error.message)).toContain('disk full')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(updatesIn(receiver!)).toEqual([])
  })
})

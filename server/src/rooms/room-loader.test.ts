import path from 'node:path'
import { pino } from 'pino'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { tempDir, testWithRoomParts, waitFor, type ConnectedClient } from '../../test/helpers.js'
import { traffic } from '../metrics.js'
import { encodeSyncStep1, encodeSyncStep2 } from '../protocol/messages.js'
import { SqliteStorage } from '../storage/sqlite.js'
import type { Storage } from '../storage/storage.js'
import { RoomLoader, type LoadingRoom } from './room-loader.js'
import { HeldSnapshot } from './held-snapshot.js'

const ROOM = 'r'
const test = testWithRoomParts

/** What a stock client holding nothing sends the moment it is connected. */
const EMPTY_SYNC_STEP_1 = encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))

/** A room that is loading, as Room hands it to its loader. */
function loadingRoom(clients: ConnectedClient[], joinOtherInstances?: () => Promise<void>): LoadingRoom {
  const doc = new Y.Doc()
  return {
    name: ROOM, doc, snapshot: new HeldSnapshot(doc),
    connections: new Set(clients.map((client) => client.connection)),
    ...(joinOtherInstances ? { joinOtherInstances } : {}),
  }
}

/** Stores `text` for the room as one compacted snapshot, as an unload leaves it; returns the snapshot and its document. */
async function storeSnapshot(storage: Storage, text: string): Promise<{ snapshot: Uint8Array; doc: Y.Doc }> {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  const snapshot = Y.encodeStateAsUpdate(doc)
  const [seq] = await storage.append([{ room: ROOM, update: snapshot, generation: 0 }])
  await storage.compact(ROOM, snapshot, seq!, 0)
  return { snapshot, doc }
}

/** Appends `text` to `doc` and stores the change in the room's log. */
async function storeEdit(storage: Storage, doc: Y.Doc, text: string): Promise<Uint8Array> {
  const before = Y.encodeStateVector(doc)
  doc.getText('t').insert(doc.getText('t').length, text)
  const update = Y.encodeStateAsUpdate(doc, before)
  await storage.append([{ room: ROOM, update, generation: 0 }])
  return update
}

/** Resolves after the microtasks queued now, and their own, have run: a load that reads SQLite is then in its first-frame wait. */
const afterThisTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

const silent = pino({ level: 'silent' })

describe('RoomLoader', () => {
  test('loads a stored snapshot and the log after it into the document exactly', async ({ storage }) => {
    const { doc: source } = await storeSnapshot(storage, 'snapshot;')
    await storeEdit(storage, source, 'first edit;')
    await storeEdit(storage, source, 'second edit;')
    const room = loadingRoom([])
    const stored = await new RoomLoader(room, storage, silent).load()
    expect(stored).toEqual(await storage.load(ROOM))
    expect(room.doc.getText('t').toString()).toBe('snapshot;first edit;second edit;')
    expect(Buffer.from(Y.encodeStateAsUpdate(room.doc))).toEqual(Buffer.from(Y.encodeStateAsUpdate(source)))
    // The snapshot alone is not the document: nobody may be answered with it.
    expect(room.snapshot.current).toBeNull()
  })

  test('answers a waiting client that holds nothing with the stored snapshot, byte for byte, before applying it', async ({ storage, connect }) => {
    const { snapshot, doc: source } = await storeSnapshot(storage, 'a stored document')
    const holdsNothing = await connect()
    holdsNothing.connection.holdUntilReady(EMPTY_SYNC_STEP_1)
    const holdsPart = await connect()
    const partFrame = encodeSyncStep1(Y.encodeStateVector(source))
    holdsPart.connection.holdUntilReady(partFrame)
    const room = loadingRoom([holdsNothing, holdsPart])
    const sentBefore = traffic.messagesOut
    let sentWhenApplied: number | undefined
    room.doc.once('beforeTransaction', () => (sentWhenApplied = traffic.messagesOut - sentBefore))

    const stored = await new RoomLoader(room, storage, silent).load()
    expect(sentWhenApplied).toBe(1)
    expect(traffic.messagesOut - sentBefore).toBe(1)
    await waitFor('the answer reaches the client', () => holdsNothing.received.length === 1)
    expect(Buffer.from(holdsNothing.received[0]!)).toEqual(Buffer.from(encodeSyncStep2(snapshot)))
    // Answered, so the room does not answer it again; the other client is the room's to answer from the document.
    expect(holdsNothing.connection.takeHeldFrames()).toEqual([])
    expect(holdsPart.connection.takeHeldFrames()).toEqual([partFrame])
    expect(room.doc.getText('t').toString()).toBe('a stored document')
    // The document is exactly the snapshot, so later clients holding nothing are sent it too.
    expect(room.snapshot.current).toBe(stored!.updates[0])
  })

  test('writes a large snapshot\'s answer to the socket in full before applying it', async ({ storage, connect }) => {
    // Larger than the loopback socket takes at once: the rest is written only as the client reads.
    const { snapshot } = await storeSnapshot(storage, 'x'.repeat(24 * 1024 * 1024))
    const holdsNothing = await connect()
    holdsNothing.connection.holdUntilReady(EMPTY_SYNC_STEP_1)
    const room = loadingRoom([holdsNothing])
    let unwrittenWhenApplied: number | undefined
    room.doc.once('beforeTransaction', () => (unwrittenWhenApplied = holdsNothing.serverSocket.bufferedAmount))

    await new RoomLoader(room, storage, silent).load()
    expect(unwrittenWhenApplied).toBe(0)
    await waitFor('the answer reaches the client', () => holdsNothing.received.length === 1)
    expect(holdsNothing.received[0]!.byteLength).toBe(encodeSyncStep2(snapshot).byteLength)
  })

  test('waits for a connecting client\'s first frame before applying the snapshot, and answers it', async ({ storage, connect }) => {
    const { snapshot } = await storeSnapshot(storage, 'a stored document')
    const client = await connect()
    const room = loadingRoom([client])
    const loader = new RoomLoader(room, storage, silent)
    const loaded = loader.load()
    await afterThisTurn()
    expect(room.doc.store.clients.size).toBe(0)
    client.connection.holdUntilReady(EMPTY_SYNC_STEP_1)
    loader.frameArrived()
    await loaded
    await waitFor('the answer reaches the client', () => client.received.length === 1)
    expect(Buffer.from(client.received[0]!)).toEqual(Buffer.from(encodeSyncStep2(snapshot)))
  })

  test('still answers from the snapshot a first frame that arrived while the server was not running, as its wait ran out', async ({ storage, connect }) => {
    const { snapshot } = await storeSnapshot(storage, 'a stored document')
    const client = await connect()
    const room = loadingRoom([client])
    const loader = new RoomLoader(room, storage, silent)
    // As a room does: a frame that arrives while loading is held, and the loader told.
    client.serverSocket.on('message', (data: Buffer) => {
      client.connection.holdUntilReady(new Uint8Array(data))
      loader.frameArrived()
    })
    const loaded = loader.load()
    await afterThisTurn()
    client.ws.send(EMPTY_SYNC_STEP_1)
    // The thread held past the wait's end, as on a machine that did not schedule the server: when it runs
    // again, the expired timer and the frame waiting in the socket are both due.
    const heldUntil = performance.now() + 50
    while (performance.now() < heldUntil) { /* busy */ }
    await loaded
    await waitFor('the answer reaches the client', () => client.received.length === 1)
    expect(Buffer.from(client.received[0]!)).toEqual(Buffer.from(encodeSyncStep2(snapshot)))
  })

  test('resolves with null and leaves the document empty when cancelled while waiting for first frames', async ({ storage, connect }) => {
    await storeSnapshot(storage, 'a stored document')
    const holdsNothing = await connect()
    holdsNothing.connection.holdUntilReady(EMPTY_SYNC_STEP_1)
    const sendsNothingYet = await connect()
    const room = loadingRoom([holdsNothing, sendsNothingYet])
    const loader = new RoomLoader(room, storage, silent)
    const sentBefore = traffic.messagesOut
    const loaded = loader.load()
    await afterThisTurn()
    // Waiting: the snapshot is read and held, not yet applied.
    expect(room.snapshot.current).not.toBeNull()
    loader.cancel()
    expect(await loaded).toBeNull()
    expect(room.doc.store.clients.size).toBe(0)
    expect(room.doc.getText('t').toString()).toBe('')
    expect(traffic.messagesOut - sentBefore).toBe(0)
  })

  test('with other instances, reads storage only once it hears what they publish', async ({ storage }) => {
    const { doc: source } = await storeSnapshot(storage, 'a stored document')
    // Another instance stores an edit while this one subscribes: the read that follows must include it.
    const room = loadingRoom([], async () => {
      await storeEdit(storage, source, ', edited elsewhere')
    })
    const stored = await new RoomLoader(room, storage, silent).load()
    expect(stored!.updates).toHaveLength(2)
    expect(room.doc.getText('t').toString()).toBe('a stored document, edited elsewhere')
  })

  test('with other instances, answers nobody from the stored bytes, and holds them while nothing of theirs has arrived', async ({ storage, connect }) => {
    const { snapshot } = await storeSnapshot(storage, 'a stored document')
    const client = await connect()
    client.connection.holdUntilReady(EMPTY_SYNC_STEP_1)
    const room = loadingRoom([client], async () => {})
    const sentBefore = traffic.messagesOut
    await new RoomLoader(room, storage, silent).load()
    // What they publish during the load reaches a client only in the room's answer, so the room answers.
    expect(traffic.messagesOut - sentBefore).toBe(0)
    expect(client.connection.takeHeldFrames()).toEqual([EMPTY_SYNC_STEP_1])
    expect(Buffer.from(room.snapshot.current!)).toEqual(Buffer.from(snapshot))
  })

  test('with other instances, does not hold the stored snapshot as the document once a change of theirs has arrived', async ({ storage }) => {
    const { doc: source } = await storeSnapshot(storage, 'a stored document')
    const fromElsewhere = new Y.Doc()
    Y.applyUpdate(fromElsewhere, Y.encodeStateAsUpdate(source))
    const before = Y.encodeStateVector(fromElsewhere)
    fromElsewhere.getText('t').insert(0, 'newer: ')
    const room = loadingRoom([], async () => {
      // Published by another instance, and applied here, before this instance's read of storage.
      Y.applyUpdate(room.doc, Y.encodeStateAsUpdate(fromElsewhere, before))
    })
    const stored = await new RoomLoader(room, storage, silent).load()
    expect(stored!.updates).toHaveLength(1)
    expect(room.doc.getText('t').toString()).toBe('newer: a stored document')
    expect(room.snapshot.current).toBeNull()
  })

  test('rejects when storage cannot be read', async () => {
    const storage = new SqliteStorage({ file: path.join(tempDir(), 'ortak.db') })
    await storage.close()
    await expect(new RoomLoader(loadingRoom([]), storage, silent).load()).rejects.toThrow(/SQLite load of room "r" failed/)
  })
})

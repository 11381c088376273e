import Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { testWithRoomParts, waitFor, type LogLine } from '../../test/helpers.js'
import type { LoadedRoom, Storage } from '../storage/storage.js'
import { WriteBatcher } from '../storage/write-batcher.js'
import { StoredLog, type CompactionOptions } from './stored-log.js'

const ROOM = 'r'

const test = testWithRoomParts.extend<{ batcher: WriteBatcher }>({
  batcher: async ({ storage }, use) => {
    const batcher = new WriteBatcher(storage)
    await use(batcher)
    await batcher.destroy()
  },
})

/**
 * A document with its StoredLog, written to as Room writes: each change is
 * applied, then handed to the batcher, and the log is told of each step.
 * `stored` holds the updates storage has confirmed, in order.
 */
function roomWithLog(storage: Storage, batcher: WriteBatcher, options: Partial<CompactionOptions>, log: Logger) {
  const doc = new Y.Doc()
  const stored: Uint8Array[] = []
  const storedLog = new StoredLog(ROOM, storage, batcher, {
    compactAfterUpdates: Number.POSITIVE_INFINITY, compactAfterBytes: Number.POSITIVE_INFINITY, ...options,
  }, {
    encodeSnapshot: () => Y.encodeStateAsUpdate(doc),
    compactionRefused: (error) => { throw error },
  }, log)
  return {
    doc, stored, storedLog,
    /** What storage held when the room loaded, applied to the document. */
    loaded(room: LoadedRoom): void {
      for (const update of room.updates) Y.applyUpdate(doc, update)
      storedLog.loaded(room)
    },
    /** Appends `text` to the document and hands the change to storage; `isStored` resolves once it is stored. */
    write(text: string): { update: Uint8Array; isStored: Promise<void> } {
      const before = Y.encodeStateVector(doc)
      doc.getText('t').insert(doc.getText('t').length, text)
      const update = Y.encodeStateAsUpdate(doc, before)
      storedLog.applied(update.byteLength)
      storedLog.writeStarted()
      const isStored = new Promise<void>((resolve, reject) => batcher.append({
        room: ROOM,
        update,
        generation: 0,
        onStored(seq) {
          stored.push(update)
          storedLog.writeStored(seq, update.byteLength)
          resolve()
        },
        onFailed(error) {
          storedLog.writeFailed()
          reject(error)
        },
      }))
      return { update, isStored }
    },
  }
}

const textOf = (updates: readonly Uint8Array[]) => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

const bytesOf = (updates: readonly Uint8Array[]) => updates.reduce((sum, update) => sum + update.byteLength, 0)

const compactions = (logs: LogLine[]) => logs.filter((line) => line.msg === 'room compacted').length

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** `storage` with its appends or compactions replaced, as a slower database would run them. */
function withReplaced(storage: Storage, replaced: Partial<Pick<Storage, 'append' | 'compact'>>): Storage {
  return {
    files: storage.files,
    load: (room) => storage.load(room),
    append: replaced.append ?? ((entries) => storage.append(entries)),
    compact: replaced.compact ?? ((room, snapshot, throughSeq, generation) => storage.compact(room, snapshot, throughSeq, generation)),
    list: () => storage.list(),
    delete: (room) => storage.delete(room),
    close: () => storage.close(),
  }
}

describe('StoredLog', () => {
  test('compacts the log into one snapshot of the document once it holds compactAfterUpdates updates', async ({ storage, batcher, logger }) => {
    const room = roomWithLog(storage, batcher, { compactAfterUpdates: 3 }, logger.log)
    await room.write('one;').isStored
    await room.write('two;').isStored
    await batcher.drain()
    expect((await storage.load(ROOM)).updates).toHaveLength(2)
    await room.write('three;').isStored
    await waitFor('the compaction', () => compactions(logger.logs) === 1)
    const stored = await storage.load(ROOM)
    expect(stored).toMatchObject({ logCount: 0, logBytes: 0 })
    expect(stored.updates).toHaveLength(1)
    expect(Buffer.from(stored.updates[0]!)).toEqual(Buffer.from(Y.encodeStateAsUpdate(room.doc)))
    expect(textOf(stored.updates)).toBe('one;two;three;')
  })

  test('compacts the log once it holds compactAfterBytes bytes, however few updates that is', async ({ storage, batcher, logger }) => {
    const room = roomWithLog(storage, batcher, { compactAfterBytes: 1_000 }, logger.log)
    await room.write('a short one;').isStored
    await batcher.drain()
    expect(compactions(logger.logs)).toBe(0)
    await room.write('x'.repeat(1_000)).isStored
    await waitFor('the compaction', () => compactions(logger.logs) === 1)
    const stored = await storage.load(ROOM)
    expect(stored.updates).toHaveLength(1)
    expect(textOf(stored.updates)).toBe(`a short one;${'x'.repeat(1_000)}`)
  })

  test('counts the document as storage holds it, and keeps what is stored while a compaction runs', async ({ storage, batcher, logger }) => {
    // The room as an earlier session left it: a snapshot and one logged update.
    const earlier = new Y.Doc()
    earlier.getText('t').insert(0, 'snapshot;')
    const [seq] = await storage.append([{ room: ROOM, update: Y.encodeStateAsUpdate(earlier), generation: 0 }])
    await storage.compact(ROOM, Y.encodeStateAsUpdate(earlier), seq!, 0)
    const atSnapshot = Y.encodeStateVector(earlier)
    earlier.getText('t').insert(9, 'logged;')
    await storage.append([{ room: ROOM, update: Y.encodeStateAsUpdate(earlier, atSnapshot), generation: 0 }])

    // A compaction, once written, waits until the test lets it return: a remote database's round trip.
    const compactionWritten = signal()
    const compactionReturns = signal()
    const slowStorage = withReplaced(storage, {
      compact: async (room, snapshot, throughSeq, generation) => {
        await storage.compact(room, snapshot, throughSeq, generation)
        compactionWritten.resolve()
        await compactionReturns.promise
      },
    })
    const room = roomWithLog(slowStorage, batcher, { compactAfterUpdates: 4 }, logger.log)
    room.loaded(await storage.load(ROOM))
    expect(room.storedLog.documentBytes).toBe(bytesOf((await storage.load(ROOM)).updates))

    // Counted once applied, before it is stored: the document limit applies to what is about to be stored.
    const storedBefore = bytesOf((await storage.load(ROOM)).updates)
    const applied = room.write('applied;')
    expect(room.storedLog.documentBytes).toBe(storedBefore + applied.update.byteLength)
    await applied.isStored

    const compaction = room.storedLog.compact()
    await compactionWritten.promise
    const meanwhile = room.write('stored during the compaction;')
    await meanwhile.isStored
    compactionReturns.resolve()
    await compaction

    const stored = await storage.load(ROOM)
    expect(stored.updates).toHaveLength(2)
    expect(Buffer.from(stored.updates[1]!)).toEqual(Buffer.from(meanwhile.update))
    expect(textOf(stored.updates)).toBe('snapshot;logged;applied;stored during the compaction;')
    expect(room.storedLog.documentBytes).toBe(bytesOf(stored.updates))

    // The update stored meanwhile counts towards the next compaction: three more make four.
    await room.write('two;').isStored
    await room.write('three;').isStored
    await batcher.drain()
    expect(compactions(logger.logs)).toBe(1)
    await room.write('four;').isStored
    await waitFor('the next compaction', () => compactions(logger.logs) === 2)
    expect((await storage.load(ROOM)).updates).toHaveLength(1)
  })

  test('runs what waits for the writes in flight once they are stored, not waiting for later ones', async ({ storage, batcher, logger }) => {
    // Each append waits until the test lets it commit: a remote database, where a busy room is never idle.
    const commits: Array<() => void> = []
    const slowStorage = withReplaced(storage, {
      append: async (entries) => {
        await new Promise<void>((resolve) => commits.push(resolve))
        return storage.append(entries)
      },
    })
    const slowBatcher = new WriteBatcher(slowStorage)
    const room = roomWithLog(slowStorage, slowBatcher, {}, logger.log)
    const storedWhenRun: number[] = []
    const runs = () => storedWhenRun.push(room.stored.length)

    room.storedLog.afterWritesInFlight(runs)
    expect(storedWhenRun).toEqual([0])

    const first = room.write('first;')
    room.storedLog.afterWritesInFlight(runs)
    await waitFor('the first write reaches storage', () => commits.length === 1)
    const second = room.write('second;')
    expect(room.storedLog.hasWritesInFlight).toBe(true)
    expect(storedWhenRun).toEqual([0])

    commits.shift()!()
    await first.isStored
    expect(storedWhenRun).toEqual([0, 1])
    await waitFor('the second write reaches storage', () => commits.length === 1)
    commits.shift()!()
    await second.isStored
    expect(room.storedLog.hasWritesInFlight).toBe(false)
    expect(storedWhenRun).toEqual([0, 1])
    await slowBatcher.destroy()
  })

  test('keeps the log intact and logs when a compaction fails, and compacts after the next write once storage works', async ({ storage, storageFile, batcher, logger }) => {
    const room = roomWithLog(storage, batcher, { compactAfterUpdates: 3 }, logger.log)
    // The failure is real: another connection to the file makes SQLite abort every deletion from the log.
    const db = new Database(storageFile)
    db.exec(`CREATE TRIGGER fail_compaction BEFORE DELETE ON updates BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated by trigger)'); END`)
    try {
      for (const text of ['one;', 'two;', 'three;']) await room.write(text).isStored
      await waitFor('the failure is logged', () => logger.logs.some((line) => line.msg === 'compaction failed'))
      expect(logger.logs.filter((line) => line.msg === 'compaction failed')).toEqual([
        expect.objectContaining({ level: 50, room: ROOM, err: expect.objectContaining({ message: expect.stringContaining('simulated by trigger') }) }),
      ])
      const intact = await storage.load(ROOM)
      expect(intact).toMatchObject({ logCount: 3 })
      expect(intact.updates.map((u) => Buffer.from(u))).toEqual(room.stored.map((u) => Buffer.from(u)))
      expect(room.storedLog.documentBytes).toBe(bytesOf(intact.updates))
      expect(compactions(logger.logs)).toBe(0)

      db.exec('DROP TRIGGER fail_compaction')
      await room.write('four;').isStored
      await waitFor('the compaction', () => compactions(logger.logs) === 1)
      const stored = await storage.load(ROOM)
      expect(stored.updates).toHaveLength(1)
      expect(textOf(stored.updates)).toBe('one;two;three;four;')
      expect(room.storedLog.documentBytes).toBe(bytesOf(stored.updates))
    } finally {
      db.close()
    }
  })
})

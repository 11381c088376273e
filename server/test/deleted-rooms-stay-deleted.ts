/**
 * The part of the Storage contract that keeps a deleted room deleted: the
 * same tests for every adapter, run by each adapter's contract test
 * (`*-storage-keeps-the-contract.test.ts`) against its own storage.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { RoomDeletedError, type Storage } from '../src/storage/storage.js'
import { textUpdate } from './security-helpers.js'

const textOf = (updates: readonly Uint8Array[]) => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

/** Declares the tests; `storage` gives each the adapter to test, in which the rooms named here are not used otherwise. */
export function itKeepsDeletedRoomsDeleted(storage: () => Storage): void {
  it('refuses an append or a compaction carrying the generation a deleted room had, so nothing of it comes back', async () => {
    const s = storage()
    await s.append([{ room: 'phoenix', update: textUpdate('old'), generation: 0 }])
    const loaded = await s.load('phoenix')
    const generation = await s.delete('phoenix')
    expect(generation).toBeGreaterThan(loaded.generation)
    const appending = s.append([{ room: 'phoenix', update: textUpdate('late'), generation: loaded.generation }])
    await expect(appending).rejects.toThrow(RoomDeletedError)
    await expect(appending).rejects.toThrow('room "phoenix" was deleted after it was loaded: the write is refused so the deleted document cannot come back')
    await expect(s.compact('phoenix', Y.mergeUpdates(loaded.updates), loaded.lastSeq, loaded.generation)).rejects.toThrow(RoomDeletedError)
    expect(await s.load('phoenix')).toEqual({ updates: [], lastSeq: 0, logCount: 0, logBytes: 0, generation })
    expect((await s.list()).map((r) => r.name)).not.toContain('phoenix')
  })

  it('stores nothing of a batch that holds a write to a deleted room, and names which writes were refused', async () => {
    const s = storage()
    await s.append([{ room: 'gone', update: textUpdate('gone'), generation: 0 }])
    const generation = await s.delete('gone')
    const error = await s.append([{ room: 'kept', update: textUpdate('kept'), generation: 0 }, { room: 'gone', update: textUpdate('late'), generation: 0 }])
      .then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(RoomDeletedError)
    expect((error as RoomDeletedError).refuses({ room: 'gone', generation: 0 })).toBe(true)
    expect((error as RoomDeletedError).refuses({ room: 'gone', generation })).toBe(false)
    expect((error as RoomDeletedError).refuses({ room: 'kept', generation: 0 })).toBe(false)
    expect((await s.load('kept')).updates).toEqual([])
    expect((await s.load('gone')).updates).toEqual([])
  })

  it('takes writes again at the generation a deleted room loads with, and deletes it again for good', async () => {
    const s = storage()
    await s.append([{ room: 'again', update: textUpdate('first life'), generation: 0 }])
    await s.delete('again')
    const reborn = await s.load('again')
    await s.append([{ room: 'again', update: textUpdate('second life'), generation: reborn.generation }])
    const loaded = await s.load('again')
    expect(loaded).toMatchObject({ logCount: 1, generation: reborn.generation })
    expect(textOf(loaded.updates)).toBe('second life')
    await s.compact('again', Y.mergeUpdates(loaded.updates), loaded.lastSeq, reborn.generation)
    expect((await s.list()).map((r) => r.name)).toContain('again')
    const last = await s.delete('again')
    expect(last).toBeGreaterThan(reborn.generation)
    await expect(s.append([{ room: 'again', update: textUpdate('x'), generation: reborn.generation }])).rejects.toThrow(RoomDeletedError)
    expect((await s.load('again')).updates).toEqual([])
  })
}

import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { readDocument, replacementUpdate } from '../src/documents/yjs-document.js'
import { parseDocument } from '../src/documents/formats.js'
import { openVersion } from '../src/history/version-documents.js'
import { RoomRegistry } from '../src/rooms/registry.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { WriteBatcher } from '../src/storage/write-batcher.js'
import { recordingLogger, tempDir } from './helpers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

it('thins automatic versions as the clock moves on, keeping named ones, and every kept version still opens as it was', async () => {
  let now = Date.UTC(2026, 0, 1)
  const storage = new SqliteStorage({ file: path.join(tempDir(), 'ortak.db') })
  const batcher = new WriteBatcher(storage)
  const registry = new RoomRegistry(storage, batcher, {
    compactAfterUpdates: 10_000, compactAfterBytes: 16 * 2 ** 20, unloadGraceMs: 60_000,
    maxDocumentBytes: 2 ** 25, maxPendingBytes: 2 ** 16,
    history: { store: storage.versions, idleMs: DAY * 1000, maxIntervalMs: DAY * 1000, retention: 'default', now: () => now },
  }, recordingLogger().log)
  close = async () => {
    await registry.closeAll(1001, 'test over')
    await batcher.destroy()
    await storage.close()
  }
  const expected = new Map<number, string>()
  let named = 0
  // Ten days of a version every two hours, one of them named, each with a paragraph more.
  for (let step = 0; step < 120; step++) {
    const markdown = Array.from({ length: step + 1 }, (_, i) => `paragraph ${i}`).join('\n\n')
    const version = await registry.withRoom('diary', async (room) => {
      await room.applyUpdate(replacementUpdate(room.doc, await parseDocument(markdown, 'markdown'))!, null)
      return step === 30 ? room.history!.save('named', 'milestone', null, null) : room.history!.flush()
    })
    if (step === 30) named = version!.id
    expected.set(version!.id, markdown)
    now += 2 * HOUR
  }
  // Retention ran as the last version was recorded.
  const lastAt = now - 2 * HOUR
  const kept = (await storage.versions.list('diary', 1000)).versions
  const ages = kept.map((v) => lastAt - v.createdAt)
  // The last day: all twelve; days 1-7: one an hour, that is all of them too (one every two hours); days 7-10: one a day.
  expect(ages.filter((age) => age < DAY)).toHaveLength(12)
  expect(ages.filter((age) => age >= DAY && age < 7 * DAY)).toHaveLength(72)
  const older = kept.filter((v) => lastAt - v.createdAt >= 7 * DAY && v.kind === 'auto')
  expect(new Set(older.map((v) => Math.floor(v.createdAt / DAY))).size).toBe(older.length)
  // Thirty-six versions of three calendar days: one each.
  expect(older).toHaveLength(3)
  expect(kept.some((v) => v.id === named && v.kind === 'named')).toBe(true)
  for (const version of kept) {
    const doc = (await openVersion(storage.versions, 'diary', version.id))!
    const text = readDocument(doc).textBetween(0, readDocument(doc).content.size, '\n\n')
    doc.destroy()
    expect(text).toBe(expected.get(version.id))
  }
  // Nothing was lost from the live document either.
  const live = new Y.Doc()
  for (const update of (await storage.load('diary')).updates) Y.applyUpdate(live, update)
  expect(readDocument(live).childCount).toBe(120)
})

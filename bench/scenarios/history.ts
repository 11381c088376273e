/**
 * Scenario history: the automerge-paper trace goes through one room of
 * Ortak's own (in this process: real SQLite storage, write batcher, room
 * and version tracker) with a version recorded every 5,000 edits. The
 * figures: the bytes the versions take against the final document's
 * `Y.encodeStateAsUpdate`, and the time to open each version server side
 * (read its increments and rebuild it as a document, as the text formats
 * and a restore do; or merge them into the one update the `yjs` format,
 * which the diff view fetches, answers; each version three times, its
 * median counted). Then the diff view in Chromium: the same data served
 * by an Ortak server process, the demo app's history panel opening the
 * newest version's diff against the one before (diff-view.ts). The trace is
 * typed as one paragraph of the editor's document, so that the panel has
 * it to show. Beside them, the design not taken: snapshots of a document
 * kept with `gc: false` (its state plus one Yjs snapshot per version),
 * measured on the same edits. Ortak only: the reference keeps no history.
 */
import path from 'node:path'
import * as decoding from 'lib0/decoding'
import { pino } from 'pino'
import * as Y from 'yjs'
import { openVersion, versionUpdate } from '../../server/src/history/version-documents.js'
import { RoomRegistry } from '../../server/src/rooms/registry.js'
import { SqliteStorage } from '../../server/src/storage/sqlite.js'
import { WriteBatcher } from '../../server/src/storage/write-batcher.js'
import { type BenchContext, freshDir } from '../lib/context.js'
import { timeDiffView } from '../lib/diff-view.js'
import { ScenarioResult } from '../lib/results.js'
import { max, median } from '../lib/stats.js'
import { loadTrace, paragraphText, traceLength } from '../lib/trace.js'

const EDITS_PER_VERSION = 5_000
const ROOM = 'history'
const DAY = 86_400_000
/** Openings of the diff view in one page; the first (cold code, cold caches) is also reported alone. */
const DIFF_OPENINGS = 7

/** The Yjs update inside a y-websocket sync-update frame ([0][2][varUint8Array]). */
function updateOf(frame: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
}

export async function runHistory(context: BenchContext): Promise<ScenarioResult> {
  const count = context.isQuick ? 50_000 : traceLength()
  const { frames } = loadTrace(count, 1, 'paragraph')
  const result = new ScenarioResult('history', { updates: count, editsPerVersion: EDITS_PER_VERSION, diffOpenings: DIFF_OPENINGS })
  const dataDir = freshDir(context, 'history')
  // Where `ortak serve --data dataDir` finds it, for the diff view.
  const storage = new SqliteStorage({ file: path.join(dataDir, 'ortak.db') })
  const batcher = new WriteBatcher(storage)
  const registry = new RoomRegistry(storage, batcher, {
    compactAfterUpdates: 10_000, compactAfterBytes: 16 * 2 ** 20, unloadGraceMs: 60_000,
    maxDocumentBytes: 2 ** 30, maxPendingBytes: 2 ** 16,
    // Versions are made by the loop below, every EDITS_PER_VERSION edits, not by the clock.
    history: { store: storage.versions, idleMs: DAY, maxIntervalMs: DAY, retention: 'all' },
  }, pino({ level: 'silent' }))
  const texts = new Map<number, string>()
  const recordMs: number[] = []
  const kept = new Y.Doc({ gc: false })
  const snapshots: Uint8Array[] = []
  let finalBytes = 0
  try {
    context.log(`history: ${count} edits through a room, a version every ${EDITS_PER_VERSION}`)
    await registry.withRoom(ROOM, async (room) => {
      for (let first = 0; first < frames.length; first += EDITS_PER_VERSION) {
        const updates = frames.slice(first, first + EDITS_PER_VERSION).map(updateOf)
        await Promise.all(updates.map((update) => room.applyUpdate(update, null)))
        const started = performance.now()
        const version = await room.history!.flush()
        recordMs.push(performance.now() - started)
        texts.set(version!.id, paragraphText(room.doc))
        // The alternative: the same edits kept in a gc: false document, a snapshot of it per version.
        Y.transact(kept, () => {
          for (const update of updates) Y.applyUpdate(kept, update)
        })
        snapshots.push(Y.encodeSnapshot(Y.snapshot(kept)))
      }
      finalBytes = Y.encodeStateAsUpdate(room.doc).byteLength
    })
    const { versions } = await storage.versions.list(ROOM, 10_000)
    const historyBytes = versions.reduce((sum, v) => sum + v.incrementBytes, 0)
    result.add('ortak', 'versions', 'count', versions.length)
    result.add('ortak', 'history bytes', 'KB', historyBytes / 1024)
    result.add('ortak', 'history bytes / final encodeStateAsUpdate', 'x', historyBytes / finalBytes, '<= 3')
    result.add('ortak', 'record a version (median)', 'ms', median(recordMs))

    // Each version opened three times, its median kept: one garbage collection or a cold JIT is not the version's cost.
    const openMs: number[] = []
    for (const { id } of [...versions].reverse()) {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        const doc = (await openVersion(storage.versions, ROOM, id))!
        times.push(performance.now() - started)
        if (paragraphText(doc) !== texts.get(id)) result.note(`version ${id} did not open as the text it was recorded with`)
        doc.destroy()
      }
      openMs.push(median(times))
    }
    context.log(`history: opening as a document, ms per version, oldest first: ${openMs.map((ms) => ms.toFixed(0)).join(' ')}`)
    result.add('ortak', 'open the newest version as a document', 'ms', openMs.at(-1)!)
    const updateMs: number[] = []
    for (const { id } of [...versions].reverse()) {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        await versionUpdate(storage.versions, ROOM, id)
        times.push(performance.now() - started)
      }
      updateMs.push(median(times))
    }
    result.add('ortak', 'open a version as its yjs update (the diff view\'s), slowest', 'ms', max(updateMs), '< 50')
    result.add('ortak', 'open a version as its yjs update, median', 'ms', median(updateMs))
    result.add('ortak', 'open a version as a document (text formats, restore), slowest', 'ms', max(openMs), '< 50')
    result.add('ortak', 'open a version as a document, median', 'ms', median(openMs))

    const keptState = Y.encodeStateAsUpdate(kept)
    const alternativeBytes = keptState.byteLength + snapshots.reduce((sum, s) => sum + s.byteLength, 0)
    result.add('ortak', 'not taken: gc:false document + snapshots, bytes / final encodeStateAsUpdate', 'x', alternativeBytes / finalBytes)
    const alternativeMs: number[] = []
    for (const snapshot of snapshots) {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        const doc = new Y.Doc({ gc: false })
        Y.applyUpdate(doc, keptState)
        Y.encodeStateAsUpdate(Y.createDocFromSnapshot(doc, Y.decodeSnapshot(snapshot)))
        times.push(performance.now() - started)
        doc.destroy()
      }
      alternativeMs.push(median(times))
    }
    result.add('ortak', 'not taken: open a version from gc:false snapshots, slowest', 'ms', max(alternativeMs))
    result.add('ortak', 'not taken: open a version from gc:false snapshots, median', 'ms', median(alternativeMs))
    context.log(`history: ${versions.length} versions, ${(historyBytes / 1024).toFixed(0)} KB (${(historyBytes / finalBytes).toFixed(2)} x), slowest open ${max(openMs).toFixed(1)} ms`)
  } finally {
    kept.destroy()
    await registry.closeAll(1001, 'bench over')
    await batcher.destroy()
    await storage.close()
  }

  const newestText = texts.get(Math.max(...texts.keys()))!
  context.log(`history: the newest version's diff in Chromium, opened ${DIFF_OPENINGS} times`)
  const openings = await timeDiffView(dataDir, ROOM, newestText, DIFF_OPENINGS)
  for (const [i, opening] of openings.entries()) {
    if (opening.isError) result.note(`diff view opening ${i + 1} failed: ${opening.message}`)
    else if (!opening.isExact) result.note(`diff view opening ${i + 1} did not show the newest version's text`)
    if (opening.addedMarks === 0 || opening.removedMarks === 0) result.note(`diff view opening ${i + 1} marked ${opening.addedMarks} insertions and ${opening.removedMarks} deletions`)
  }
  const totals = openings.map((o) => o.totalMs)
  result.add('ortak', 'diff view of the newest version in Chromium: click to painted, median', 'ms', median(totals), '< 200')
  result.add('ortak', 'diff view in Chromium: click to painted, slowest', 'ms', max(totals))
  result.add('ortak', 'diff view in Chromium: click to painted, first opening', 'ms', totals[0]!)
  result.add('ortak', 'diff view in Chromium: last response to painted (fetches excluded), median', 'ms', median(openings.map((o) => o.afterFetchMs)))
  context.log(`history: diff view ${totals.map((ms) => ms.toFixed(0)).join(' ')} ms; after the fetches ${openings.map((o) => o.afterFetchMs.toFixed(0)).join(' ')} ms; `
    + `${openings[0]!.requests} requests, ${openings[0]!.addedMarks} insertions and ${openings[0]!.removedMarks} deletions marked`)
  return result
}

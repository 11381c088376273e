/**
 * The paper trace replayed k times into one document, for the document-size
 * curve: copy c is the trace typed again at the end of the text the copies
 * before it left, by its own Yjs client. Replaying 16 copies keystroke by
 * keystroke through a server would take most of an hour, so the document
 * is built here once: each copy replayed in-process as one Yjs transaction,
 * its update kept as one seed frame (a server is seeded by the k frames of
 * its k copies, through its own protocol). Beside each seed, the first
 * updates of copy k + 1, one frame per trace transaction, typed onto the k
 * copies: what a writer sends to measure CPU per update at that size. All
 * of it is cached in the system's temp folder, like the trace's frames.
 */
import fs from 'node:fs'
import * as Y from 'yjs'
import { type EncodedTrace, TRACE_CLIENT_ID, TRACE_ROOT, cacheFile, readTrace, updateFrame, writeFrames } from './trace.js'

export interface DocumentCopiesFiles {
  /** k frames, one per copy; its `endText` is the k copies' text, `stateBytes` the document's encodeStateAsUpdate. */
  seed: string
  /** `probeUpdates` frames, one per trace transaction, of copy k + 1. */
  probe: string
}

/** How long building may take before it is given up: about 2.5 s a copy of the whole trace on this machine. */
const BUILD_LIMIT_MS = 15 * 60_000

/**
 * The seed and probe files for each of `multiples` copies of the trace's
 * first `count` transactions, built (and cached) if not there yet.
 */
export function documentCopies(count: number, multiples: readonly number[], probeUpdates: number, log: (message: string) => void): Map<number, DocumentCopiesFiles> {
  const name = (part: string) => cacheFile(`copies-${count}-${part}`)
  const files = new Map(multiples.map((k) => [k, { seed: name(`seed${k}`), probe: name(`probe${k}-${probeUpdates}`) }]))
  if ([...files.values()].every((f) => fs.existsSync(f.seed) && fs.existsSync(f.probe))) return files

  const txns = readTrace().txns
  if (count > txns.length) throw new RangeError(`the trace has ${txns.length} transactions, not ${count}`)
  if (probeUpdates > count) throw new RangeError(`a probe of ${probeUpdates} updates is longer than a copy of ${count} transactions`)
  const started = performance.now()
  const doc = new Y.Doc()
  const text = doc.getText(TRACE_ROOT)
  const seedFrames: Uint8Array[] = []
  const last = Math.max(...multiples)
  for (let copy = 1; copy <= last + 1; copy++) {
    if (performance.now() - started > BUILD_LIMIT_MS) throw new Error(`building ${last} copies of the trace took over ${BUILD_LIMIT_MS / 60_000} minutes; stopped at copy ${copy}`)
    // Each copy is typed by its own client, as a new author would type it.
    doc.clientID = TRACE_CLIENT_ID + copy
    const base = text.length
    const replay = (from: number, to: number) => doc.transact(() => {
      for (let i = from; i < to; i++) {
        for (const [position, deleteCount, inserted] of txns[i]!.patches) {
          if (deleteCount > 0) text.delete(base + position, deleteCount)
          if (inserted.length > 0) text.insert(base + position, inserted)
        }
      }
    })
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array) => updates.push(update)
    doc.on('update', collect)
    const isProbe = multiples.includes(copy - 1)
    if (isProbe) {
      for (let i = 0; i < probeUpdates; i++) replay(i, i + 1)
      writeFrames(files.get(copy - 1)!.probe, { frames: updates.map(updateFrame), endText: '', stateBytes: 0 } satisfies EncodedTrace)
    }
    if (copy <= last) replay(isProbe ? probeUpdates : 0, count)
    doc.off('update', collect)
    if (copy > last) break
    seedFrames.push(updateFrame(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates)))
    if (multiples.includes(copy)) {
      writeFrames(files.get(copy)!.seed, { frames: seedFrames, endText: text.toString(), stateBytes: Y.encodeStateAsUpdate(doc).byteLength })
      log(`document copies: ${copy} of the trace built (${((performance.now() - started) / 1000).toFixed(0)} s so far)`)
    }
  }
  doc.destroy()
  return files
}

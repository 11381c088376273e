/**
 * Curve: document size, the paper trace replayed 1, 4 and 16 times into one
 * document (bench/lib/document-copies.ts). Each server is seeded through its
 * own protocol with one update per copy and stopped; then, started again on
 * that data: the cold load (a new client connects, the clock runs until it
 * holds the whole text, less its own applying time), the memory the loaded
 * document costs (RSS and heap + external with it loaded, less the same
 * server idle on the same data, per byte of the document's
 * encodeStateAsUpdate), and the CPU per update of a writer typing the next
 * copy's first edits into it, one trace transaction per update, until the
 * server is idle again.
 */
import { type BenchContext, freshDir, orderFor, sleep } from '../lib/context.js'
import { documentCopies } from '../lib/document-copies.js'
import { spawnDriver } from '../lib/driver.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import { type Curve, ScenarioResult } from '../lib/results.js'
import { type ServerHandle, type ServerKind, diskBytes, heldBytes, startServer, waitForIdle } from '../lib/servers.js'
import { timeLoad } from '../lib/time-load.js'
import { TRACE_ROOT, readFrames, traceLength } from '../lib/trace.js'

const COPIES: Curve = { axis: 'copies of the paper trace in one document', unit: 'copies', scale: 'log' }
const ROOM = 'paper-copies'

export async function runCurveDocument(context: BenchContext): Promise<ScenarioResult> {
  const count = context.isQuick ? 10_000 : traceLength()
  const multiples = [1, 4, 16]
  const probeUpdates = context.isQuick ? 2_000 : 20_000
  const repetitions = context.repetitions ?? 1
  const result = new ScenarioResult('curve-document', { traceTransactions: count, multiples, probeUpdates, repetitions })
  context.log(`curve-document: building ${multiples.join(', ')} copies of ${count} trace transactions (cached after the first run)`)
  const files = documentCopies(count, multiples, probeUpdates, context.log)
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const copies of multiples) {
      const seed = readFrames(files.get(copies)!.seed)
      for (const kind of orderFor(context, repetition)) {
        const dataDir = freshDir(context, `curve-document-${kind}-${copies}`)
        await seedServer(context, kind, dataDir, seed.frames)
        result.add(kind, `bytes on disk / encodeStateAsUpdate, ${copies} copies`, 'x', diskBytes(dataDir) / seed.stateBytes)

        const server = await startServer(kind, { dataDir, nodeFlags: context.nodeFlags(kind) })
        try {
          // Let start-up work settle so it is not counted as load time.
          await sleep(300)
          const idle = await server.memory()
          const load = await timeLoad(server.roomUrl(ROOM), server.wire, TRACE_ROOT, seed.endText, context.isQuick ? 30_000 : 120_000)
          try {
            if (!load.isComplete) result.note(`${kind}: ${copies} copies: the loaded document did not equal the seeded text (${load.text.length} of ${seed.endText.length} characters)`)
            const loaded = await server.memory()
            const loadMs = load.totalMs - load.clientApplyMs
            result.addPoint(kind, COPIES, copies, 'cold load, connect to full document, server side', 'ms', loadMs)
            result.addPoint(kind, COPIES, copies, 'resident memory per stored byte', 'B/B', (loaded.rss - idle.rss) / seed.stateBytes)
            result.addPoint(kind, COPIES, copies, 'heap+external per stored byte', 'B/B', (heldBytes(loaded) - heldBytes(idle)) / seed.stateBytes)
            const cpuPerUpdate = await typeIntoLoaded(context, server, files.get(copies)!.probe, probeUpdates)
            if (cpuPerUpdate === null) result.note(`${kind}: ${copies} copies: still busy a minute after the writer was done; no CPU per update`)
            else result.addPoint(kind, COPIES, copies, 'server CPU per update (to idle)', 'us', cpuPerUpdate)
            context.log(`curve-document ${kind} ${copies}x: cold load ${loadMs.toFixed(1)} ms, RSS ${((loaded.rss - idle.rss) / seed.stateBytes).toFixed(1)} B per stored byte, ${cpuPerUpdate?.toFixed(1) ?? '-'} us CPU per update`)
          } finally {
            load.client.close()
          }
        } finally {
          await server.stop()
        }
      }
    }
  }
  return result
}

/** Starts `kind` on an empty `dataDir`, sends it the seed (one update per copy), waits until it has stored it, and stops it. */
async function seedServer(context: BenchContext, kind: ServerKind, dataDir: string, frames: readonly Uint8Array[]): Promise<void> {
  const server = await startServer(kind, { dataDir })
  try {
    const seeder = new ProtocolClient(server.roomUrl(ROOM), server.wire)
    await seeder.synced
    await seeder.sendAll(frames.map(seeder.framing.wrap))
    // Hocuspocus writes a while after the last change; then the wait is for the write to be over.
    await sleep(server.deferredWriteMs)
    const idle = await waitForIdle(server, 120_000)
    if (!idle.isIdle) context.log(`curve-document ${kind}: still busy two minutes after the seed was sent; stopping it anyway`)
    seeder.close()
    await seeder.closed
  } finally {
    await server.stop()
  }
}

/** Server CPU per update while a writer sends the probe's updates as fast as its socket drains, until the server is idle; null if it never is. */
async function typeIntoLoaded(context: BenchContext, server: ServerHandle, probeFile: string, updates: number): Promise<number | null> {
  const writer = spawnDriver('trace-writer', { wire: server.wire, url: server.roomUrl(ROOM), file: probeFile })
  try {
    await writer.next('ready', 120_000)
    const cpuAtStart = server.cpuSeconds()
    writer.command('go')
    await writer.next('sent', context.isQuick ? 60_000 : 300_000)
    await sleep(server.deferredWriteMs)
    const idle = await waitForIdle(server, 60_000)
    return idle.isIdle ? (server.cpuSeconds() - cpuAtStart) / updates * 1e6 : null
  } finally {
    writer.command('close')
    await writer.stop()
  }
}

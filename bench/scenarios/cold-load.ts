/**
 * Scenario 3, cold load: the server that just took the whole trace is
 * restarted; a new client connects and the clock runs until it holds the
 * full document. The client applies what arrives to a Y.Doc, and the time
 * it spends doing so is subtracted: what is left is the server's part
 * (connect, load, reply) plus the loopback network. Then, with that client
 * still connected, second clients join the loaded room, timed the same way.
 * Also: bytes on disk.
 */
import { type BenchContext, orderFor, sleep } from '../lib/context.js'
import { ScenarioResult } from '../lib/results.js'
import { diskBytes, startServer } from '../lib/servers.js'
import { median } from '../lib/stats.js'
import { timeLoad } from '../lib/time-load.js'
import { TRACE_ROOT, loadTrace } from '../lib/trace.js'
import { type FilledDir, TRACE_ROOM, runTrace } from './trace.js'

/** Second clients timed per cold load: the first of them may still find caches cold, the median says the usual. */
const JOINS = 5

export async function runColdLoad(context: BenchContext): Promise<ScenarioResult> {
  if (context.servers.some((kind) => !context.shared.has(`trace-dir-${kind}`))) await runTrace(context)
  const repetitions = context.repetitions ?? (context.isQuick ? 1 : 5)
  const filled = context.shared.get(`trace-dir-${context.servers[0]}`) as FilledDir
  const { endText, stateBytes } = loadTrace(filled.count)
  const result = new ScenarioResult('cold-load', { updates: filled.count, repetitions, encodeStateAsUpdateBytes: stateBytes })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const { dataDir, isComplete, isReaderDone } = context.shared.get(`trace-dir-${kind}`) as FilledDir
      if (!isReaderDone) {
        // Timing the load of a partial document would flatter it: this run has no cold-load figures for it.
        if (repetition === 0) result.note(`${kind}: its trace run was stopped before its reader was done; no cold-load figures for it in this run`)
        continue
      }
      if (!isComplete) result.note(`${kind}: its trace run was stopped before it finished writing; the stored document may be incomplete`)
      const bytes = diskBytes(dataDir)
      const server = await startServer(kind, { dataDir, nodeFlags: context.nodeFlags(kind) })
      try {
        // Let start-up work settle so it is not counted as load time.
        await sleep(300)
        const timeoutMs = context.isQuick ? 20_000 : 60_000
        const load = await timeLoad(server.roomUrl(TRACE_ROOM), server.wire, TRACE_ROOT, endText, timeoutMs)
        // A second client joining while the first holds the room loaded: what a colleague opening the link waits.
        const joins: number[] = []
        for (let join = 0; join < JOINS && load.isComplete; join++) {
          const second = await timeLoad(server.roomUrl(TRACE_ROOM), server.wire, TRACE_ROOT, endText, timeoutMs)
          second.client.close()
          if (second.isComplete) joins.push(second.totalMs - second.clientApplyMs)
        }
        load.client.close()
        if (joins.length > 0) {
          result.add(kind, 'second client joining the loaded document, server side', 'ms', median(joins), '<= reference')
          context.log(`cold-load ${kind}: second clients joined in ${joins.map((ms) => ms.toFixed(1)).join(', ')} ms`)
        }
        if (!load.isComplete) result.note(`${kind}: the loaded document did not equal the trace's final text (${load.text.length} of ${endText.length} characters)`)
        result.add(kind, 'connect to full document, server side', 'ms', load.totalMs - load.clientApplyMs, '< 50')
        // The reference rewrites its log at its first load after the trace: that one stands apart.
        if (repetition === 0) result.add(kind, 'first restart after the trace: connect to full document, server side', 'ms', load.totalMs - load.clientApplyMs)
        result.add(kind, 'connect to full document, client total', 'ms', load.totalMs)
        result.add(kind, 'bytes on disk', 'KB', bytes / 1024)
        result.add(kind, 'bytes on disk / encodeStateAsUpdate', 'x', bytes / stateBytes, '<= 2')
        context.log(`cold-load ${kind}: ${(load.totalMs - load.clientApplyMs).toFixed(1)} ms server side, ${(bytes / 1024).toFixed(0)} KB on disk`)
      } finally {
        await server.stop()
      }
    }
  }
  return result
}

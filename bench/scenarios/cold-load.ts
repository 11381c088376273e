/**
 * Scenario 3, cold load: the server that just took the whole trace is
 * restarted; a new client connects and the clock runs until it holds the
 * full document. The client applies what arrives to a Y.Doc, and the time
 * it spends doing so is subtracted: what is left is the server's part
 * (connect, load, reply) plus the loopback network. Also: bytes on disk.
 */
import * as Y from 'yjs'
import { type BenchContext, orderFor, sleep } from '../lib/context.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import { ScenarioResult } from '../lib/results.js'
import { type ServerKind, diskBytes, startServer } from '../lib/servers.js'
import { TRACE_ROOT, loadTrace } from '../lib/trace.js'
import type { Wire } from '../lib/wire.js'
import { type FilledDir, TRACE_ROOM, runTrace } from './trace.js'

export async function runColdLoad(context: BenchContext): Promise<ScenarioResult> {
  if (context.servers.some((kind) => !context.shared.has(`trace-dir-${kind}`))) await runTrace(context)
  const repetitions = context.repetitions ?? (context.isQuick ? 1 : 5)
  const filled = context.shared.get(`trace-dir-${context.servers[0]}`) as FilledDir
  const { endText, stateBytes } = loadTrace(filled.count)
  const result = new ScenarioResult('cold-load', { updates: filled.count, repetitions, encodeStateAsUpdateBytes: stateBytes })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const { dataDir, isComplete } = context.shared.get(`trace-dir-${kind}`) as FilledDir
      if (!isComplete) result.note(`${kind}: its trace run was stopped before it finished writing; the stored document may be incomplete`)
      const bytes = diskBytes(dataDir)
      const server = await startServer(kind, { dataDir, nodeFlags: context.nodeFlags(kind) })
      try {
        // Let start-up work settle so it is not counted as load time.
        await sleep(300)
        const load = await timeLoad(server.roomUrl(TRACE_ROOM), server.wire, endText, context.isQuick ? 20_000 : 60_000)
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

/**
 * Connects a raw protocol client and applies what arrives until the text is
 * `expected`. The reference answers at once with an empty document and
 * sends the stored one when it has read it, seconds later for a long log.
 * A server whose stored document is incomplete never gets there: then the
 * time of its last message is reported, once a second has passed without
 * one after the first content (bounded by `timeoutMs`).
 */
async function timeLoad(url: string, wire: Wire, expected: string, timeoutMs: number): Promise<{ totalMs: number; clientApplyMs: number; isComplete: boolean; text: string }> {
  const doc = new Y.Doc()
  const text = doc.getText(TRACE_ROOT)
  let clientApplyMs = 0
  const started = performance.now()
  let lastMessageAt = started
  let lastContentAt: number | null = null
  const client = new ProtocolClient(url, wire)
  try {
    const isComplete = await new Promise<boolean>((resolve) => {
      const deadline = started + timeoutMs
      const timer = setInterval(() => {
        const now = performance.now()
        if (now > deadline || (lastContentAt !== null && now - lastContentAt > 1_000)) {
          clearInterval(timer)
          resolve(false)
        }
      }, 50)
      client.onDocMessage = ({ update }) => {
        const applyStarted = performance.now()
        Y.applyUpdate(doc, update)
        const isDone = text.length === expected.length && text.toString() === expected
        clientApplyMs += performance.now() - applyStarted
        lastMessageAt = performance.now()
        if (update.length > 2) lastContentAt = lastMessageAt
        if (isDone) {
          clearInterval(timer)
          resolve(true)
        }
      }
    })
    return { totalMs: lastMessageAt - started, clientApplyMs, isComplete, text: text.toString() }
  } finally {
    client.close()
    doc.destroy()
  }
}

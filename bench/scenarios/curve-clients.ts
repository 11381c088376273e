/**
 * Curve: clients in one room (10, 100, 500). Ten writers type 5 edits a
 * second each whatever the crowd, so the edit rate stays fixed and only the
 * fanout grows: every edit goes to every other client. The figures at each
 * step: delivery latency p50 and p99 (edit sent to its arrival at each other
 * client) and the server's CPU per delivered update (its CPU over the step
 * divided by edits x (clients - 1)). The clients are raw protocol clients
 * (bench/drivers/paced-clients.ts) in two processes, so that the crowd's own
 * Yjs work is not what is measured.
 */
import { type BenchContext, freshDir, orderFor } from '../lib/context.js'
import { PacedRoom } from '../lib/paced-room.js'
import { type Curve, ScenarioResult } from '../lib/results.js'
import { startServer } from '../lib/servers.js'
import { quantile } from '../lib/stats.js'

const CLIENTS: Curve = { axis: 'clients in one room', unit: 'clients', scale: 'log' }
const WRITERS = 10
const RATE_PER_WRITER = 5

export async function runCurveClients(context: BenchContext): Promise<ScenarioResult> {
  const steps = context.isQuick ? [10, 30, 100] : [10, 100, 500]
  const durationMs = context.isQuick ? 1_500 : 10_000
  const warmupMs = context.isQuick ? 500 : 2_000
  const repetitions = context.repetitions ?? 1
  const result = new ScenarioResult('curve-clients', { steps, writers: WRITERS, ratePerWriter: RATE_PER_WRITER, durationMs, warmupMs, repetitions })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const server = await startServer(kind, { dataDir: freshDir(context, `curve-clients-${kind}`), nodeFlags: context.nodeFlags(kind) })
      try {
        for (const clients of steps) {
          const specs = Array.from({ length: clients }, (_, i) => ({ url: server.roomUrl(`crowd-${clients}`), instance: 0, isWriter: i < WRITERS }))
          const room = await PacedRoom.open(server.wire, specs)
          try {
            const cpuAtStart = server.cpuSeconds()
            const step = await room.run({ ratePerWriter: RATE_PER_WRITER, durationMs, warmupMs })
            const cpuSeconds = server.cpuSeconds() - cpuAtStart
            const p50 = quantile(step.latencies, 0.5)
            const p99 = quantile(step.latencies, 0.99)
            result.addPoint(kind, CLIENTS, clients, 'fanout p50', 'ms', p50)
            result.addPoint(kind, CLIENTS, clients, 'fanout p99', 'ms', p99)
            result.addPoint(kind, CLIENTS, clients, 'server CPU per delivered update', 'us', cpuSeconds / step.deliveries * 1e6)
            // Checks on the step rather than costs: in the tables, not on a chart.
            result.add(kind, `deliveries seen / expected, ${clients} clients`, '%', 100 * step.arrivedShare)
            result.add(kind, `busiest client process, CPU share, ${clients} clients`, '%', 100 * step.busiestDriverCpuShare)
            if (step.arrivedShare < 1) result.note(`${kind}: ${clients} clients: ${(100 * (1 - step.arrivedShare)).toFixed(2)} % of deliveries had not arrived 10 s after the last edit`)
            context.log(`curve-clients ${kind} ${clients}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${(cpuSeconds / step.deliveries * 1e6).toFixed(2)} us CPU per delivery, ${(100 * step.arrivedShare).toFixed(1)} % arrived`)
          } finally {
            await room.close()
          }
        }
      } finally {
        await server.stop()
      }
    }
  }
  return result
}

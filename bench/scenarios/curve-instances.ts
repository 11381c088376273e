/**
 * Curve: Ortak instances sharing one room through PostgreSQL and Redis
 * (1, then 3). Twelve clients in one room, dealt round-robin to the
 * instances, three of them writers (one per instance with three). The
 * total edit rate doubles step by step from 100 a second; the highest rate
 * whose delivery p99 stays under 50 ms, with every edit delivered and the
 * writers keeping the pace, is the instance count's sustained rate (to a
 * factor of two). A step that misses is run once more before the ramp
 * stops: on a shared machine one stall of another process's making would
 * otherwise end it. A short untimed step at the first rate warms the
 * instances, their pools and the room first. The latency from an edit to
 * its arrival at a client on another instance (any client with one
 * instance) is read at the first, lightest step. The peers have no multi-instance mode in this bench
 * (y-redis, the reference's, is not in the tree): a note, not a number.
 */
import { type BenchContext, freshDir } from '../lib/context.js'
import { PacedRoom, type PacedStepResult } from '../lib/paced-room.js'
import { type Curve, ScenarioResult } from '../lib/results.js'
import { type ServerHandle, startServer } from '../lib/servers.js'
import { createSharedServices } from '../lib/scale-out.js'
import { quantile } from '../lib/stats.js'

const INSTANCES: Curve = { axis: 'Ortak instances on PostgreSQL + Redis', unit: 'instances', scale: 'linear' }
const CLIENTS = 12
const WRITERS = 3
const P99_BOUND_MS = 50
/** The step whose server CPU per update is the curve's: high enough that timers and peer heartbeats are a small part of it. */
const CPU_RATE = 400

export async function runCurveInstances(context: BenchContext): Promise<ScenarioResult> {
  const steps = [1, 3]
  const rates = context.isQuick ? [100, 400] : [100, 200, 400, 800, 1_600, 3_200, 6_400]
  const durationMs = context.isQuick ? 1_000 : 4_000
  const warmupMs = context.isQuick ? 300 : 1_000
  const repetitions = context.repetitions ?? 1
  const result = new ScenarioResult('curve-instances', { steps, clients: CLIENTS, writers: WRITERS, rates, durationMs, warmupMs, p99BoundMs: P99_BOUND_MS, repetitions })
  result.note('the reference and Hocuspocus have no multi-instance mode in this bench (y-redis is not in the tree): the instances curve is Ortak alone')
  if (!context.servers.includes('ortak')) return result
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const instances of steps) {
      const services = await createSharedServices()
      const servers: ServerHandle[] = []
      try {
        // One after another: three starting at once on two cores each take longer than one.
        for (let i = 0; i < instances; i++) {
          servers.push(await startServer('ortak', { dataDir: freshDir(context, `curve-instances-${instances}-${i}`), nodeFlags: context.nodeFlags('ortak'), ortakArgs: services.ortakArgs }))
        }
        const specs = Array.from({ length: CLIENTS }, (_, i) => ({ url: servers[i % instances]!.roomUrl('shared'), instance: i % instances, isWriter: i < WRITERS }))
        const room = await PacedRoom.open('y-websocket', specs)
        try {
          await room.run({ ratePerWriter: rates[0]! / WRITERS, durationMs: 1_000, warmupMs: 1_000 })
          let sustained = 0
          for (const [stepIndex, rate] of rates.entries()) {
            const isMet = (s: PacedStepResult) => quantile(s.latencies, 0.99) < P99_BOUND_MS && s.arrivedShare === 1 && s.sentRate >= 0.95 * rate
            let cpuAtStart = servers.map((server) => server.cpuSeconds())
            let step = await room.run({ ratePerWriter: rate / WRITERS, durationMs, warmupMs })
            if (!isMet(step)) {
              context.log(`curve-instances ${instances}: ${rate} updates/s missed (p99 ${quantile(step.latencies, 0.99).toFixed(1)} ms); once more`)
              cpuAtStart = servers.map((server) => server.cpuSeconds())
              step = await room.run({ ratePerWriter: rate / WRITERS, durationMs, warmupMs })
            }
            const cpuSeconds = servers.reduce((sum, server, i) => sum + server.cpuSeconds() - cpuAtStart[i]!, 0)
            result.add('ortak', `server CPU per update, all instances, at ${rate} updates/s, ${instances} instances`, 'us', cpuSeconds / step.edits * 1e6)
            if (rate === CPU_RATE) result.addPoint('ortak', INSTANCES, instances, `server CPU per update, all instances together, at ${rate} updates/s`, 'us', cpuSeconds / step.edits * 1e6)
            const timed = instances > 1 ? step.crossInstanceLatencies : step.latencies
            const p99 = quantile(step.latencies, 0.99)
            result.add('ortak', `p99 at ${rate} updates/s, ${instances} instances`, 'ms', p99)
            if (stepIndex === 0) {
              result.addPoint('ortak', INSTANCES, instances, `cross-instance latency p50 at ${rate} updates/s (any client with 1)`, 'ms', quantile(timed, 0.5))
              result.addPoint('ortak', INSTANCES, instances, `cross-instance latency p99 at ${rate} updates/s (any client with 1)`, 'ms', quantile(timed, 0.99))
            }
            const isSustained = isMet(step)
            context.log(`curve-instances ${instances}: ${rate} updates/s (sent ${step.sentRate.toFixed(0)}/s): p99 ${p99.toFixed(1)} ms, ${(100 * step.arrivedShare).toFixed(2)} % delivered, busiest client process ${(100 * step.busiestDriverCpuShare).toFixed(0)} % of a core${isSustained ? '' : ': not sustained'}`)
            if (!isSustained) {
              if (step.busiestDriverCpuShare > 0.8) result.note(`${instances} instances: at ${rate} updates/s a client process used ${(100 * step.busiestDriverCpuShare).toFixed(0)} % of a core; the clients may be part of what bounds the rate`)
              break
            }
            sustained = rate
            if (stepIndex === rates.length - 1) result.note(`${instances} instances sustained the highest rate tried (${rate} updates/s); the bound is above it`)
          }
          result.addPoint('ortak', INSTANCES, instances, `highest sustained update rate, p99 under ${P99_BOUND_MS} ms`, 'updates/s', sustained)
        } finally {
          await room.close()
        }
      } finally {
        for (const server of servers) await server.stop()
        await services.drop()
      }
    }
  }
  return result
}

/**
 * Scenario 2, fanout: 20 rooms x 5 clients and 1 room x 50 clients, each
 * client typing 5 edits per second; latency from an edit to its arrival
 * at every other client of its room (p50, p99, max), and convergence.
 */
import { type BenchContext, freshDir, orderFor } from '../lib/context.js'
import { spawnDriver } from '../lib/driver.js'
import { ScenarioResult } from '../lib/results.js'
import { startServer } from '../lib/servers.js'

const LAYOUTS = [
  { rooms: 20, perRoom: 5 },
  { rooms: 1, perRoom: 50 },
] as const

export async function runFanout(context: BenchContext): Promise<ScenarioResult> {
  const durationMs = context.isQuick ? 2_000 : 20_000
  const repetitions = context.repetitions ?? (context.isQuick ? 1 : 2)
  const rate = 5
  // Edits of the first seconds are typed but not timed: both servers and the clients are still warming up.
  const warmupMs = context.isQuick ? 500 : 2_000
  const result = new ScenarioResult('fanout', { layouts: LAYOUTS.map((l) => `${l.rooms}x${l.perRoom}`), rate, durationMs, warmupMs, repetitions })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const server = await startServer(kind, { dataDir: freshDir(context, `fanout-${kind}`), nodeFlags: context.nodeFlags(kind) })
      try {
        for (const layout of LAYOUTS) {
          const label = `${layout.rooms}x${layout.perRoom}`
          const clients = spawnDriver('fanout-clients', {
            providerUrl: server.providerUrl, roomPrefix: `fanout-${label}`, rooms: layout.rooms, perRoom: layout.perRoom, rate, durationMs, warmupMs,
          })
          try {
            await clients.next('ready', 60_000)
            clients.command('go')
            const r = await clients.next<{ type: 'result'; p50: number; p99: number; max: number; converged: boolean; arrivals: number; expectedArrivals: number }>('result', durationMs + 60_000)
            result.add(kind, `${label} latency p50`, 'ms', r.p50, label === '20x5' ? '< 1' : undefined)
            result.add(kind, `${label} latency p99`, 'ms', r.p99, '<= reference')
            result.add(kind, `${label} latency max`, 'ms', r.max)
            result.add(kind, `${label} arrivals seen / expected`, '%', 100 * r.arrivals / r.expectedArrivals)
            result.add(kind, `${label} rooms converged`, 'yes=1', r.converged ? 1 : 0, '1')
            context.log(`fanout ${label} ${kind}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, converged ${r.converged}`)
            clients.command('close')
            await clients.next('closed', 10_000)
          } finally {
            await clients.stop()
          }
        }
      } finally {
        await server.stop()
      }
    }
  }
  return result
}

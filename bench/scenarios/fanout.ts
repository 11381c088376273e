/**
 * Scenario 2, fanout: 20 rooms x 5 clients and 1 room x 50 clients, each
 * client typing 5 edits per second; latency from an edit to its arrival at
 * every other client of its room (p50, p99, max), and convergence. The
 * clients run in two processes, so that the clients' own Yjs work (50
 * documents applying 12,000 updates a second) does not saturate one core
 * and become what is measured. Each layout gets a server of its own.
 * Ortak runs twice, the second time with its version history off
 * (history-off.ts).
 */
import { type BenchContext, freshDir } from '../lib/context.js'
import { type Report, spawnDriver } from '../lib/driver.js'
import { addHistoryCost, figureRecorder, runsWithHistoryOff } from '../lib/history-off.js'
import { ScenarioResult } from '../lib/results.js'
import { startServer } from '../lib/servers.js'
import { max, quantile } from '../lib/stats.js'

const LAYOUTS = [
  { rooms: 20, perRoom: 5 },
  { rooms: 1, perRoom: 50 },
] as const
const CLIENT_PROCESSES = 2
/** The figures also measured with Ortak's history off, for what history costs. */
const COMPARED = LAYOUTS.flatMap(({ rooms, perRoom }) => [`${rooms}x${perRoom} latency p50`, `${rooms}x${perRoom} latency p99`])

interface FanoutReport extends Report {
  editsEach: number
  clientCpuShare: number
  sent: number[]
  arrivals: number[]
  texts: Array<[number, string]>
}

export async function runFanout(context: BenchContext): Promise<ScenarioResult> {
  const durationMs = context.isQuick ? 1_500 : 20_000
  const repetitions = context.repetitions ?? (context.isQuick ? 1 : 2)
  const rate = 5
  // Edits of the first seconds are typed but not timed: both servers and the clients are still warming up.
  const warmupMs = context.isQuick ? 500 : 2_000
  const result = new ScenarioResult('fanout', {
    layouts: LAYOUTS.map((l) => `${l.rooms}x${l.perRoom}`), rate, durationMs, warmupMs, repetitions, clientProcesses: CLIENT_PROCESSES,
  })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const run of runsWithHistoryOff(context, repetition)) {
      const { kind, isHistoryOff } = run
      const add = figureRecorder(result, run, COMPARED)
      for (const layout of LAYOUTS) {
        const label = `${layout.rooms}x${layout.perRoom}`
        // Each layout on a server of its own: on a shared one, the rooms of the layout before would be stored away
        // inside this one's timed window (Ortak records a version and compacts a room 5 s after its last client
        // leaves, Hocuspocus writes a document 2 s after its last change), and the figures would mix the two.
        const server = await startServer(kind, {
          dataDir: freshDir(context, `fanout-${label}-${kind}${isHistoryOff ? '-history-off' : ''}`), nodeFlags: context.nodeFlags(kind), isHistoryOff,
        })
        try {
          const drivers = Array.from({ length: CLIENT_PROCESSES }, (_, p) => {
            // Rooms are dealt out to the processes; a room too few to deal out has its clients split instead.
            const rooms = layout.rooms >= CLIENT_PROCESSES
              ? Array.from({ length: layout.rooms }, (_, r) => r).filter((r) => r % CLIENT_PROCESSES === p)
              : Array.from({ length: layout.rooms }, (_, r) => r)
            const perRoom = layout.rooms >= CLIENT_PROCESSES ? layout.perRoom : layout.perRoom / CLIENT_PROCESSES
            return spawnDriver('fanout-clients', {
              wire: server.wire, providerUrl: server.providerUrl, roomPrefix: `fanout-${label}`, rooms, perRoom, perRoomInAll: layout.perRoom, rate, durationMs,
            })
          })
          try {
            await Promise.all(drivers.map((d) => d.next('ready', 60_000)))
            const startAt = Number(process.hrtime.bigint()) / 1e6 + 200
            for (const driver of drivers) driver.command('go', { startAt })
            const reports = await Promise.all(drivers.map((d) => d.next<FanoutReport>('result', durationMs + 60_000)))
            const r = summarize(reports, layout.perRoom, startAt + warmupMs)
            add(`${label} latency p50`, 'ms', r.p50, label === '20x5' ? '< 1' : undefined)
            add(`${label} latency p99`, 'ms', r.p99, '<= reference')
            add(`${label} latency max`, 'ms', r.max)
            add(`${label} arrivals seen / expected`, '%', 100 * r.arrivals / r.expectedArrivals)
            add(`${label} rooms converged`, 'yes=1', r.isConverged ? 1 : 0, '1')
            add(`${label} busiest client process, CPU share`, '%', 100 * Math.max(...reports.map((x) => x.clientCpuShare)))
            context.log(`fanout ${label} ${kind}${isHistoryOff ? ' (history off)' : ''}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, converged ${r.isConverged}`)
            for (const driver of drivers) driver.command('close')
            await Promise.all(drivers.map((d) => d.next('closed', 10_000)))
          } finally {
            await Promise.all(drivers.map((d) => d.stop()))
          }
        } finally {
          await server.stop()
        }
      }
    }
  }
  addHistoryCost(result, COMPARED)
  return result
}

/** Matches every arrival to its send (edits typed before `measureFrom` are a warm-up) and checks that rooms converged. */
function summarize(reports: readonly FanoutReport[], perRoom: number, measureFrom: number) {
  const sentAt = new Map<number, number>()
  for (const { sent } of reports) for (let i = 0; i < sent.length; i += 2) sentAt.set(sent[i]!, sent[i + 1]!)
  const latencies: number[] = []
  for (const { arrivals } of reports) {
    for (let i = 0; i < arrivals.length; i += 3) {
      const sent = sentAt.get(arrivals[i]!)
      if (sent !== undefined && sent >= measureFrom) latencies.push(arrivals[i + 2]! - sent)
    }
  }
  let measuredEdits = 0
  for (const t of sentAt.values()) if (t >= measureFrom) measuredEdits++
  const textsByRoom = new Map<number, Set<string>>()
  for (const { texts } of reports) {
    for (const [room, text] of texts) {
      const seen = textsByRoom.get(room) ?? new Set<string>()
      seen.add(text)
      textsByRoom.set(room, seen)
    }
  }
  const expectedLength = reports[0]!.editsEach * perRoom
  const isConverged = [...textsByRoom.values()].every((texts) => texts.size === 1 && [...texts][0]!.length === expectedLength)
  return {
    p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: max(latencies),
    arrivals: latencies.length, expectedArrivals: measuredEdits * (perRoom - 1), isConverged,
  }
}

/**
 * Where the slowest deliveries of the fanout scenario's quiet layout (20
 * rooms of 5 clients, each typing 5 edits a second) come from. Runs that
 * layout on each server, as `npm run bench -- --only fanout` does, and
 * splits every edit's delay into what all of its receivers share (the
 * fastest of its deliveries: the way through the sender's process, the
 * server and the network, which every receiver waits for) and what one
 * receiver adds on its own (its delivery less that fastest one: its
 * process being busy when the frame came). A server's part of a delivery is
 * within the shared part; the rest is the client processes'.
 *
 * With --gc, each server also counts its garbage collections (gc-count.mjs)
 * and the tool prints them: a collection pauses every delivery under way.
 *
 *   npx tsx bench/tools/fanout-tail.ts [seconds] [ortak,reference] [runs] [--gc]
 */
import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import { type Report as DriverReport, spawnDriver } from '../lib/driver.js'
import { type ServerKind, startServer } from '../lib/servers.js'
import { quantile } from '../lib/stats.js'

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const seconds = Number(positional[0] ?? 20)
const kinds = (positional[1] ?? 'ortak,reference').split(',') as ServerKind[]
const runs = Number(positional[2] ?? 1)
const countsGc = process.argv.includes('--gc')
const ROOMS = 20
const PER_ROOM = 5
const RATE = 5
const PROCESSES = 2
const WARMUP_MS = 2_000

interface Report extends DriverReport {
  sent: number[]
  arrivals: number[]
}

/** Every timed delivery of one run, by edit: its send time and the arrival at each receiver. */
async function runLayout(kind: ServerKind, dataDir: string): Promise<Map<number, { sentAt: number; arrivals: number[] }>> {
  // With --gc, the server counts its garbage collections into a file (gc-count.mjs), read once the run is over;
  // startServer hands the server this process's environment.
  if (countsGc) process.env.GC_COUNT_FILE = `${dataDir}.gc.json`
  const server = await startServer(kind, { dataDir, nodeFlags: countsGc ? ['--import', path.join(import.meta.dirname, 'gc-count.mjs')] : [] })
  try {
    const drivers = Array.from({ length: PROCESSES }, (_, p) => spawnDriver('fanout-clients', {
      wire: server.wire, providerUrl: server.providerUrl, roomPrefix: 'tail', perRoom: PER_ROOM, perRoomInAll: PER_ROOM, rate: RATE,
      rooms: Array.from({ length: ROOMS }, (_, r) => r).filter((r) => r % PROCESSES === p), durationMs: seconds * 1000,
    }))
    try {
      await Promise.all(drivers.map((d) => d.next('ready', 60_000)))
      const startAt = Number(process.hrtime.bigint()) / 1e6 + 200
      for (const driver of drivers) driver.command('go', { startAt })
      const reports = await Promise.all(drivers.map((d) => d.next<Report>('result', seconds * 1000 + 60_000)))
      const edits = new Map<number, { sentAt: number; arrivals: number[] }>()
      for (const { sent } of reports) {
        for (let i = 0; i < sent.length; i += 2) if (sent[i + 1]! >= startAt + WARMUP_MS) edits.set(sent[i]!, { sentAt: sent[i + 1]!, arrivals: [] })
      }
      for (const { arrivals } of reports) {
        for (let i = 0; i < arrivals.length; i += 3) edits.get(arrivals[i]!)?.arrivals.push(arrivals[i + 2]!)
      }
      for (const driver of drivers) driver.command('close')
      await Promise.all(drivers.map((d) => d.next('closed', 10_000)))
      return edits
    } finally {
      await Promise.all(drivers.map((d) => d.stop()))
    }
  } finally {
    await server.stop()
  }
}

const ms = (value: number) => `${value.toFixed(2)} ms`
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-fanout-tail-'))
console.log(`${os.cpus().length} cores, ${ROOMS} rooms of ${PER_ROOM}, ${RATE} edits a second each, ${seconds} s, ${runs} run(s) per server`)
try {
  for (let run = 0; run < runs; run++) {
    for (const kind of run % 2 === 0 ? kinds : [...kinds].reverse()) {
      const dataDir = path.join(dir, `${kind}-${run}`)
      const edits = await runLayout(kind, dataDir)
      const deliveries: number[] = []
      const shared: number[] = []
      const own: number[] = []
      for (const { sentAt, arrivals } of edits.values()) {
        if (arrivals.length === 0) continue
        const first = Math.min(...arrivals)
        shared.push(first - sentAt)
        for (const at of arrivals) {
          deliveries.push(at - sentAt)
          own.push(at - first)
        }
      }
      // The slowest 1 % of deliveries, split the same way.
      const p99 = quantile(deliveries, 0.99)
      let slow = 0
      let slowShared = 0
      for (const { sentAt, arrivals } of edits.values()) {
        const first = Math.min(...arrivals)
        for (const at of arrivals) {
          if (at - sentAt < p99) continue
          slow++
          slowShared += (first - sentAt) / (at - sentAt)
        }
      }
      console.log(`${kind} run ${run + 1}: deliveries p50 ${ms(quantile(deliveries, 0.5))}, p99 ${ms(p99)}; `
        + `shared part p50 ${ms(quantile(shared, 0.5))}, p99 ${ms(quantile(shared, 0.99))}; `
        + `receiver's own part p50 ${ms(quantile(own, 0.5))}, p99 ${ms(quantile(own, 0.99))}; `
        + `in the slowest 1 %, the shared part is ${(100 * slowShared / slow).toFixed(0)} % of the delay`)
      if (countsGc) console.log(`  ${kind} garbage collections, server start to stop: ${fs.readFileSync(`${dataDir}.gc.json`, 'utf8')}`)
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

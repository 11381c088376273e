/**
 * Scenario 6, abuse: issue 12's budget, "with default settings, no single
 * connection, reader or writer, can make the server spend more than 10 %
 * of one core, sustained, whatever it sends". Ortak runs with its default
 * limits here. Each attack of bench/lib/attacks.ts runs for a few seconds
 * from one attacking connection at a time, which reconnects whenever the
 * server closes it, against its own room holding the paper (the whole
 * trace, sent as a few dozen updates) and one honest bystander. The
 * figure is the server's CPU per second of attack: what the attacker
 * costs it. The first attack is a control: a client that only connects,
 * is greeted and leaves, which every attack the server closes also pays.
 */
import { type BenchContext, freshDir, orderFor } from '../lib/context.js'
import { spawnDriver } from '../lib/driver.js'
import { ATTACKS } from '../lib/attacks.js'
import { ScenarioResult } from '../lib/results.js'
import { SERVER_KINDS, type ServerHandle, type ServerKind, startServer, waitForIdle } from '../lib/servers.js'
import { median } from '../lib/stats.js'

/** The issue's budget: 10 % of one core, in CPU seconds per second. */
const BUDGET = 0.1
/** How long the next attack waits for the server to finish with the last one. */
const IDLE_CAP_MS = 3_000

type AttackReport = {
  type: 'attacked'
  frames: number
  bytes: number
  connections: number
  closes: Record<string, number>
  attackerCpuSeconds: number
  bystanderCloses: number
}

/** What one attack did to one server, summed over the repetitions, for the notes. */
interface Seen {
  seconds: number
  closes: Record<string, number>
  bystanderCloses: number
  attackerCpuSeconds: number
}

export async function runAbuse(context: BenchContext): Promise<ScenarioResult> {
  const attackMs = context.isQuick ? 1_000 : 3_000
  const repetitions = context.repetitions ?? 1
  const result = new ScenarioResult('abuse', { attackMs, repetitions, attacks: ATTACKS.map((a) => a.name), ortakLimits: 'default' })
  const seen = new Map<string, Seen>()
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) await abuseOnce(context, kind, repetition, attackMs, result, seen)
  }
  for (const attack of ATTACKS) {
    const kinds = SERVER_KINDS.filter((kind) => seen.has(`${kind} ${attack.name}`))
    const parts = kinds.map((kind) => {
      const s = seen.get(`${kind} ${attack.name}`)!
      const closes = Object.entries(s.closes).map(([code, n]) => `${code} x ${n}`).join(', ') || 'none'
      return `${kind}: closes ${closes}; bystander closed ${s.bystanderCloses} times; attacker CPU ${(s.attackerCpuSeconds / s.seconds).toFixed(2)} core-s/s`
    })
    if (kinds.length > 0) result.note(`${attack.label}, over ${seen.get(`${kinds[0]} ${attack.name}`)!.seconds.toFixed(1)} s: ${parts.join(' | ')}`)
  }
  const over = ATTACKS.filter((attack) => median(result.figures.find((f) => f.name === cpuFigure(attack.label))?.samples.ortak ?? []) > BUDGET)
  if (context.servers.includes('ortak')) {
    result.note(over.length === 0 ? `every attack stays within Ortak's budget of ${BUDGET} core-s/s` : `over Ortak's budget of ${BUDGET} core-s/s: ${over.map((a) => a.label).join('; ')}`)
  }
  return result
}

const cpuFigure = (label: string) => `${label}: server CPU per second`

async function abuseOnce(context: BenchContext, kind: ServerKind, repetition: number, attackMs: number, result: ScenarioResult, seen: Map<string, Seen>): Promise<void> {
  const server = await startServer(kind, { dataDir: freshDir(context, `abuse-${kind}`), nodeFlags: context.nodeFlags(kind), limits: 'default' })
  const clients = spawnDriver('abuse-client', { wire: server.wire })
  try {
    await clients.next('ready', 60_000)
    const rooms = new Map(ATTACKS.map((attack) => [attack.name, server.roomUrl(`abuse-${attack.name}-${repetition}`)]))
    clients.command('seed', { urls: [...rooms.values()] })
    await clients.next('seeded', 120_000)
    await settle(context, server, 'the seeding', result)
    for (const attack of ATTACKS) {
      if (attack.needsUnaskedSyncStep1 && server.wire === 'hocuspocus') {
        result.note(`${attack.label}: not run against ${kind}: the attack waits for the sync step 1 a y-websocket server sends every new connection, which Hocuspocus sends only in answer to the client's own`)
        continue
      }
      const cpuAtStart = server.cpuSeconds()
      const startedAt = clients.command('attack', { name: attack.name, url: rooms.get(attack.name)!, ms: attackMs })
      const report = await clients.next<AttackReport>('attacked', attackMs + 60_000)
      const cpu = server.cpuSeconds() - cpuAtStart
      const seconds = (report.receivedAt - startedAt) / 1000
      const closes = Object.values(report.closes).reduce((sum, n) => sum + n, 0)
      result.add(kind, cpuFigure(attack.label), 'core-s/s', cpu / seconds, `<= ${BUDGET} (10 % of one core)`)
      result.add(kind, `${attack.label}: frames sent`, '/s', report.frames / seconds)
      result.add(kind, `${attack.label}: closes by the server`, '/s', closes / seconds)
      const key = `${kind} ${attack.name}`
      const before = seen.get(key) ?? { seconds: 0, closes: {}, bystanderCloses: 0, attackerCpuSeconds: 0 }
      for (const [code, n] of Object.entries(report.closes)) before.closes[code] = (before.closes[code] ?? 0) + n
      seen.set(key, {
        seconds: before.seconds + seconds, closes: before.closes, bystanderCloses: before.bystanderCloses + report.bystanderCloses,
        attackerCpuSeconds: before.attackerCpuSeconds + report.attackerCpuSeconds,
      })
      context.log(`abuse ${kind} ${attack.name}: server ${(cpu / seconds).toFixed(3)} core-s/s, ${report.frames} frames (${(report.bytes / 2 ** 20).toFixed(1)} MiB) on ${report.connections} connections, closes ${JSON.stringify(report.closes)}, bystander closed ${report.bystanderCloses} times, attacker ${(report.attackerCpuSeconds / seconds).toFixed(2)} core-s/s`)
      await settle(context, server, attack.name, result)
    }
    clients.command('close')
    await clients.next('closed', 10_000)
  } finally {
    await clients.stop()
    await server.stop()
  }
}

/** Waits for the server to be idle before the next attack, so that one attack's backlog is not charged to the next. */
async function settle(context: BenchContext, server: ServerHandle, after: string, result: ScenarioResult): Promise<void> {
  const idle = await waitForIdle(server, IDLE_CAP_MS, 300)
  if (idle.isIdle) return
  const message = `${server.kind} was still busy ${(IDLE_CAP_MS / 1000).toFixed(0)} s after ${after}; the next attack started anyway`
  context.log(`abuse: ${message}`)
  result.note(message)
}

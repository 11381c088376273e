/**
 * Where a keystroke's delivery goes in a quiet room: the first step of the
 * clients curve (10 clients, all typing 5 edits a second, raw protocol
 * clients in two processes), with the server under a CPU profile sampled
 * every 100 us. Prints, per server, the delivery p50 and p99 and, per edit,
 * the main thread's busy time, and Ortak's time inside its storage commit
 * (SqliteStorage.append, where better-sqlite3 writes the WAL) and inside
 * the whole write batch (commit and broadcast). A server that stores an edit
 * before anyone sees it has the commit on every delivery's path; one that
 * broadcasts first has not.
 *
 *   npx tsx bench/tools/quiet-room-profile.ts [seconds] [ortak,reference,hocuspocus]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { now } from '../lib/arrivals.js'
import { PacedRoom } from '../lib/paced-room.js'
import { type ServerKind, startServer } from '../lib/servers.js'
import { quantile } from '../lib/stats.js'

const seconds = Number(process.argv[2] ?? 20)
const kinds = (process.argv[3] ?? 'ortak,reference').split(',') as ServerKind[]
const CLIENTS = 10
const RATE_PER_WRITER = 5
const SAMPLE_US = 100

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/**
 * Busy microseconds of a profile between `from` and `to` (the machine's
 * monotonic clock in us, which V8 stamps its samples with), and those of
 * the samples whose stack (function names, innermost first) each of
 * `inside` accepts.
 */
function timeInside<Name extends string>(
  profile: CpuProfile, from: number, to: number, inside: Record<Name, (stack: string[]) => boolean>,
): Record<Name | 'busy', number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const totals = Object.fromEntries(Object.keys(inside).map((name) => [name, 0])) as Record<Name, number>
  let busy = 0
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!
    const delta = profile.timeDeltas[i + 1] ?? 0
    const sampled = byId.get(profile.samples[i]!)!
    if (at < from || at > to || sampled.callFrame.functionName === '(idle)') continue
    busy += delta
    const stack: string[] = []
    for (let id: number | undefined = sampled.id; id !== undefined; id = parentOf.get(id)) stack.push(byId.get(id)!.callFrame.functionName)
    for (const name of Object.keys(inside) as Name[]) if (inside[name](stack)) totals[name] += delta
  }
  return { ...totals, busy }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-quiet-room-'))
console.log(`${os.cpus().length} cores, ${CLIENTS} clients typing ${RATE_PER_WRITER} edits a second each for ${seconds} s, profiles sampled every ${SAMPLE_US} us`)
try {
  for (const kind of kinds) {
    const profiles = path.join(dir, `${kind}-profile`)
    const server = await startServer(kind, {
      dataDir: path.join(dir, kind), nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profiles, '--cpu-prof-interval', String(SAMPLE_US)],
    })
    let latencies: number[] = []
    let edits = 0
    let window = { from: 0, to: 0 }
    try {
      const specs = Array.from({ length: CLIENTS }, () => ({ url: server.roomUrl('quiet'), instance: 0, isWriter: true }))
      const room = await PacedRoom.open(server.wire, specs)
      try {
        const from = now() * 1000
        const step = await room.run({ ratePerWriter: RATE_PER_WRITER, durationMs: seconds * 1000, warmupMs: 2000 })
        window = { from, to: now() * 1000 }
        latencies = step.latencies
        edits = step.edits
      } finally {
        await room.close()
      }
    } finally {
      await server.stop()
    }
    const [file] = fs.readdirSync(profiles)
    const profile = JSON.parse(fs.readFileSync(path.join(profiles, file!), 'utf8')) as CpuProfile
    // The server is bundled (server/dist): frames are told by name. The write batcher's flush takes the batch and
    // commits it through the storage's append (measured, then SqliteStorage's), then broadcasts.
    const batchAt = (stack: string[]) => stack.indexOf('flush')
    const time = timeInside(profile, window.from, window.to, {
      commit: (stack) => batchAt(stack) > 0 && stack.slice(0, batchAt(stack)).includes('append'),
      batch: (stack) => batchAt(stack) >= 0,
    })
    const perEdit = (us: number) => `${(us / edits).toFixed(0)} us`
    const ortakOnly = kind === 'ortak' ? `, of which the write batch ${perEdit(time.batch)} and in it the commit ${perEdit(time.commit)}` : ''
    console.log(`${kind}: delivery p50 ${quantile(latencies, 0.5).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms; `
      + `main thread busy ${perEdit(time.busy)} per edit${ortakOnly}`)
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

/**
 * `npm run bench [-- --quick] [--only trace,fanout] [--repetitions N] [--servers ortak,hocuspocus] [--profile DIR]`:
 * runs Ortak, the reference y-websocket server and Hocuspocus side by side,
 * each in its own process, driven by client processes, and prints a table of
 * medians with the ratio of Ortak to each peer plus one JSON line per scenario.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BenchContext } from './lib/context.js'
import { setDriverNodeFlags } from './lib/driver.js'
import { SERVER_KINDS, type ServerKind, repoRoot } from './lib/servers.js'
import { ScenarioResult, formatTable } from './lib/results.js'
import { runAbuse } from './scenarios/abuse.js'
import { runColdLoad } from './scenarios/cold-load.js'
import { runConnections } from './scenarios/connections.js'
import { runCurveClients } from './scenarios/curve-clients.js'
import { runCurveDocument } from './scenarios/curve-document.js'
import { runCurveInstances } from './scenarios/curve-instances.js'
import { runCurveRooms } from './scenarios/curve-rooms.js'
import { runDurability } from './scenarios/durability.js'
import { runFanout } from './scenarios/fanout.js'
import { runHistory } from './scenarios/history.js'
import { runRestart } from './scenarios/restart.js'
import { runTrace } from './scenarios/trace.js'

const SCENARIOS: Record<string, (context: BenchContext) => Promise<ScenarioResult>> = {
  trace: runTrace,
  'cold-load': runColdLoad,
  fanout: runFanout,
  connections: runConnections,
  durability: runDurability,
  restart: runRestart,
  abuse: runAbuse,
  history: runHistory,
  'curve-rooms': runCurveRooms,
  'curve-clients': runCurveClients,
  'curve-document': runCurveDocument,
  'curve-instances': runCurveInstances,
}

interface Args {
  isQuick: boolean
  only: string[]
  profileDir: string | null
  servers: ServerKind[]
  repetitions: number | null
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { isQuick: false, only: Object.keys(SCENARIOS), profileDir: null, servers: [...SERVER_KINDS], repetitions: null }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--quick') args.isQuick = true
    else if (arg === '--only') {
      args.only = (argv[++i] ?? '').split(',').filter(Boolean)
      const unknown = args.only.filter((name) => !(name in SCENARIOS))
      if (unknown.length > 0 || args.only.length === 0) throw new RangeError(`--only takes a comma-separated list of ${Object.keys(SCENARIOS).join(', ')}; got "${argv[i] ?? ''}"`)
    } else if (arg === '--profile') {
      args.profileDir = path.resolve(argv[++i] ?? 'bench-profiles')
    } else if (arg === '--repetitions') {
      args.repetitions = Number(argv[++i])
      if (!Number.isInteger(args.repetitions) || args.repetitions < 1) throw new RangeError(`--repetitions takes a whole number from 1, got "${argv[i] ?? ''}"`)
    } else if (arg === '--servers') {
      // For profiling one server, or comparing two; a report needs all three.
      const named = (argv[++i] ?? '').split(',').filter(Boolean)
      const unknown = named.filter((k) => !(SERVER_KINDS as string[]).includes(k))
      args.servers = SERVER_KINDS.filter((kind) => named.includes(kind))
      if (unknown.length > 0 || args.servers.length === 0) throw new RangeError(`--servers takes a comma-separated list of ${SERVER_KINDS.join(', ')}; got "${argv[i] ?? ''}"`)
    } else throw new RangeError(`unknown option ${arg}: expected --quick, --only <scenarios>, --repetitions <n>, --servers <kinds>, --profile <dir>`)
  }
  return args
}

/** The installed version of each peer, for the table's title. */
function peerVersions(): string {
  const version = (name: string) => (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  const names: Record<string, string> = { reference: '@y/websocket-server', hocuspocus: '@hocuspocus/server' }
  return args.servers.filter((kind) => kind in names).map((kind) => `${names[kind]} ${version(names[kind]!)}`).join(' and ') || 'no peer'
}

export function machine() {
  const cpus = os.cpus()
  return {
    cores: cpus.length, cpu: cpus[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, platform: `${os.platform()} ${os.release()}`,
    // Other work on the machine skews every figure: the 1-minute load average when the run started.
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  }
}

let args: Args
try {
  args = parseArgs(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`)
  process.exit(2)
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-bench-'))
process.once('exit', () => fs.rmSync(workDir, { recursive: true, force: true }))
if (args.profileDir) setDriverNodeFlags(['--cpu-prof', '--cpu-prof-dir', path.join(args.profileDir, 'drivers')])
const startedAt = performance.now()
const context: BenchContext = {
  isQuick: args.isQuick,
  servers: args.servers,
  repetitions: args.repetitions,
  workDir,
  nodeFlags: (kind) => args.profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(args.profileDir, kind)] : [],
  log: (message) => process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}\n`),
  shared: new Map(),
}

const about = machine()
context.log(`machine: ${about.cores} cores (${about.cpu}), ${about.memoryGiB} GiB, Node ${about.node}, load average ${about.loadAverage}; mode: ${args.isQuick ? 'quick' : 'full'}`)
const results: ScenarioResult[] = []
try {
  for (const name of Object.keys(SCENARIOS)) {
    if (!args.only.includes(name)) continue
    context.log(`scenario ${name}`)
    const result = await SCENARIOS[name]!(context)
    results.push(result)
    process.stdout.write(`${JSON.stringify({ ...result.summary(), machine: about, mode: args.isQuick ? 'quick' : 'full' })}\n`)
  }
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
}
process.stdout.write(`\n${args.servers.includes('ortak') ? 'Ortak' : 'no Ortak'} vs ${peerVersions()} (medians; ${about.cores} cores, ${about.cpu}, Node ${about.node}; load average ${about.loadAverage} at the start, ${(Math.round(os.loadavg()[0]! * 100) / 100)} at the end; ${args.isQuick ? 'quick' : 'full'} mode, ${((performance.now() - startedAt) / 1000).toFixed(0)} s)\n`)
process.stdout.write(`${formatTable(results, args.servers)}\n`)
for (const result of results) for (const note of result.notes) process.stdout.write(`note (${result.scenario}): ${note}\n`)
process.exit(0)

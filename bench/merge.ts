/**
 * `npm run bench:merge -- run1.jsonl run2.jsonl ...`: pools the samples of
 * several `npm run bench` runs (the JSON lines each printed on stdout) and
 * prints one Markdown table of medians, a ratio of Ortak to each peer
 * (the reference, Hocuspocus) and whether each target is met. One run's
 * medians move with whatever else the shared machine was doing; the median
 * over runs is what we quote. Runs from before Hocuspocus was a peer (no
 * samples of it) merge as they are; a server no run has samples of gets
 * no column.
 */
import fs from 'node:fs'
import { PEERS, SERVER_KINDS, type ServerKind } from './lib/servers.js'
import { median, round } from './lib/stats.js'

interface ScenarioLine {
  scenario: string
  mode: string
  machine: { cores: number; cpu: string; node: string; loadAverage: number }
  figures: Record<string, { unit: string; target?: string; samples: Partial<Record<ServerKind, number[]>> }>
}

interface Pooled {
  scenario: string
  name: string
  unit: string
  target?: string
  samples: Record<ServerKind, number[]>
  /** Ortak's median in each run, to show the spread between runs. */
  ortakPerRun: number[]
}

const files = process.argv.slice(2)
if (files.length === 0) {
  process.stderr.write('usage: npm run bench:merge -- <run1.jsonl> [<run2.jsonl> ...]  (the stdout of `npm run bench`)\n')
  process.exit(2)
}

const pooled = new Map<string, Pooled>()
const machines = new Set<string>()
const modes = new Set<string>()
for (const file of files) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('{'))
  if (lines.length === 0) {
    process.stderr.write(`bench:merge: ${file} holds no result lines (JSON lines from \`npm run bench\`)\n`)
    process.exit(2)
  }
  for (const line of lines) {
    const result = JSON.parse(line) as ScenarioLine
    machines.add(`${result.machine.cores} cores (${result.machine.cpu}), Node ${result.machine.node}`)
    modes.add(result.mode)
    for (const [name, figure] of Object.entries(result.figures)) {
      const key = `${result.scenario}\u0000${name}`
      const entry = pooled.get(key) ?? { scenario: result.scenario, name, unit: figure.unit, target: figure.target, samples: { ortak: [], reference: [], hocuspocus: [] }, ortakPerRun: [] }
      for (const kind of SERVER_KINDS) entry.samples[kind].push(...figure.samples[kind] ?? [])
      const ortak = figure.samples.ortak ?? []
      if (ortak.length > 0) entry.ortakPerRun.push(median(ortak))
      pooled.set(key, entry)
    }
  }
}

/** Whether `ortak` meets `target` ("<= 15", "< 50", "<= 0.5 x reference", "<= reference", "0", "1"); null where a number cannot say. */
function meets(target: string | undefined, ortak: number, reference: number): boolean | null {
  if (!target || Number.isNaN(ortak)) return null
  const relative = /^(<=|<)\s*(?:([\d.]+)\s*x\s*)?reference$/.exec(target)
  if (relative) {
    if (Number.isNaN(reference)) return null
    const bound = Number(relative[2] ?? 1) * reference
    return relative[1] === '<' ? ortak < bound : ortak <= bound
  }
  const absolute = /^(<=|<)?\s*([\d.]+)/.exec(target)
  if (!absolute) return null
  const bound = Number(absolute[2])
  if (absolute[1] === '<') return ortak < bound
  if (absolute[1] === '<=') return ortak <= bound
  return ortak === bound
}

// A ratio to a zero (no closes by the reference, say), or a median of no samples, says nothing.
const show = (value: number) => (Number.isFinite(value) ? String(round(value, 3)) : '-')
const TITLES: Record<ServerKind, string> = { ortak: 'Ortak', reference: 'reference', hocuspocus: 'Hocuspocus' }
const RATIO_TITLES: Record<ServerKind, string> = { ortak: '', reference: 'Ortak / ref', hocuspocus: 'Ortak / Hocuspocus' }
const pooledEntries = [...pooled.values()]
const kinds = SERVER_KINDS.filter((kind) => pooledEntries.some((entry) => entry.samples[kind].length > 0))
const peers = PEERS.filter((peer) => kinds.includes(peer))
const columns = [...kinds.map((kind) => TITLES[kind]), ...peers.map((peer) => RATIO_TITLES[peer])]
const rows = [
  `| scenario | figure | unit | ${columns.join(' | ')} | target | met | Ortak per run |`,
  `|---|---|---|${columns.map(() => '--:|').join('')}---|---|---|`,
]
for (const entry of pooledEntries) {
  const medians = Object.fromEntries(SERVER_KINDS.map((kind) => [kind, median(entry.samples[kind])])) as Record<ServerKind, number>
  const met = meets(entry.target, medians.ortak, medians.reference)
  const cells = [...kinds.map((kind) => show(medians[kind])), ...peers.map((peer) => show(medians.ortak / medians[peer]))]
  rows.push(`| ${entry.scenario} | ${entry.name} | ${entry.unit} | ${cells.join(' | ')} | ${entry.target ?? ''} | ${met === null ? (entry.target ? 'see notes' : '') : met ? 'yes' : '**no**'} | ${entry.ortakPerRun.map(show).join(', ')} |`)
}
process.stdout.write(`Medians over ${files.length} run(s) of \`npm run bench\` (${[...modes].join(', ')} mode) on ${[...machines].join('; ')}.\n\n${rows.join('\n')}\n`)

/**
 * `npm run bench:merge -- [--charts DIR] run1.jsonl run2.jsonl ...`: pools
 * the samples of several `npm run bench` runs (the JSON lines each printed
 * on stdout) and prints one Markdown table of medians, a ratio of Ortak to
 * each peer (the reference, Hocuspocus) and whether each target is met. It
 * also draws one SVG chart per curve figure (the curve scenarios' figures
 * at each step, every server on the same axes) into DIR, bench/charts/ by
 * default, and names the files it wrote on stderr. One run's
 * medians move with whatever else the shared machine was doing; the median
 * over runs is what we quote. Runs from before Hocuspocus was a peer (no
 * samples of it) merge as they are; a server no run has samples of gets
 * no column.
 */
import fs from 'node:fs'
import path from 'node:path'
import { renderLineChart } from './lib/chart.js'
import type { CurvePoint } from './lib/results.js'
import { PEERS, SERVER_KINDS, type ServerKind, repoRoot } from './lib/servers.js'
import { median, round } from './lib/stats.js'

interface ScenarioLine {
  scenario: string
  mode: string
  machine: { cores: number; cpu: string; node: string; loadAverage: number }
  figures: Record<string, { unit: string; target?: string; point?: CurvePoint; samples: Partial<Record<ServerKind, number[]>> }>
}

interface Pooled {
  scenario: string
  name: string
  unit: string
  target?: string
  point?: CurvePoint
  samples: Record<ServerKind, number[]>
  /** Ortak's median in each run, to show the spread between runs. */
  ortakPerRun: number[]
}

const argv = process.argv.slice(2)
const chartsOption = argv.indexOf('--charts')
const chartsDir = path.resolve(chartsOption === -1 ? path.join(repoRoot, 'bench/charts') : argv[chartsOption + 1] ?? '')
const files = chartsOption === -1 ? argv : argv.filter((_, i) => i !== chartsOption && i !== chartsOption + 1)
if (files.length === 0 || (chartsOption !== -1 && argv[chartsOption + 1] === undefined)) {
  process.stderr.write('usage: npm run bench:merge -- [--charts <dir>] <run1.jsonl> [<run2.jsonl> ...]  (the stdout of `npm run bench`)\n')
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
      const entry = pooled.get(key) ?? { scenario: result.scenario, name, unit: figure.unit, target: figure.target, point: figure.point, samples: { ortak: [], reference: [], hocuspocus: [] }, ortakPerRun: [] }
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
const COLORS: Record<ServerKind, string> = { ortak: '#1f5fbf', reference: '#d9730d', hocuspocus: '#2e8b57' }
/** A file name from a figure's name: "fanout p99 (ms)" -> "fanout-p99-ms". */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
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

writeCharts(pooledEntries, chartsDir)

/** One chart per curve figure (a scenario's figure at each of its steps): a series per server that has samples of it. */
function writeCharts(entries: readonly Pooled[], dir: string): void {
  const curves = new Map<string, Pooled[]>()
  for (const entry of entries) {
    if (!entry.point) continue
    const key = `${entry.scenario}\u0000${entry.point.figure}`
    curves.set(key, [...curves.get(key) ?? [], entry])
  }
  if (curves.size === 0) return
  fs.mkdirSync(dir, { recursive: true })
  for (const steps of curves.values()) {
    const { scenario, unit } = steps[0]!
    const point = steps[0]!.point!
    const svg = renderLineChart({
      title: `${scenario}: ${point.figure}`,
      xLabel: point.axis,
      yLabel: `${point.figure} (${unit})`,
      xScale: point.scale,
      series: kinds.map((kind) => ({
        name: TITLES[kind],
        color: COLORS[kind],
        points: steps.map((step) => [step.point!.x, median(step.samples[kind])] as const).filter(([, y]) => Number.isFinite(y)),
      })),
    })
    const file = path.join(dir, `${slug(scenario)}--${slug(point.figure)}.svg`)
    fs.writeFileSync(file, svg)
    process.stderr.write(`bench:merge: wrote ${path.relative(process.cwd(), file)}\n`)
  }
}

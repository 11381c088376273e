/** Figures collected per scenario and server, reduced to medians and Ortak / peer ratios. */
import { median, round } from './stats.js'
import { PEERS, SERVER_KINDS, type ServerKind } from './servers.js'

export interface Figure {
  name: string
  unit: string
  /** What the issue asks of Ortak for this figure, for the table. */
  target?: string
  /** Where this figure sits on a curve, for the charts `npm run bench:merge` draws; absent for a single figure. */
  point?: CurvePoint
  samples: Record<ServerKind, number[]>
}

/** One dimension a curve scenario grows, step by step: its chart's x axis. */
export interface Curve {
  /** What grows, as the axis names it: "rooms loaded". */
  axis: string
  /** The unit of a step, as a figure's name says it: "rooms". */
  unit: string
  /** 'log' where the steps grow by a factor (100, 1,000, 10,000), 'linear' where they do not (1, 3). */
  scale: 'log' | 'linear'
}

/** A figure's place on a curve: which of the curve's figures (one chart each) and at which step. */
export interface CurvePoint extends Curve {
  /** The figure's name without its step: the chart's title and y axis. */
  figure: string
  x: number
}

const noSamples = (): Record<ServerKind, number[]> => ({ ortak: [], reference: [], hocuspocus: [] })

export class ScenarioResult {
  readonly figures: Figure[] = []
  readonly notes: string[] = []

  constructor(readonly scenario: string, readonly params: Record<string, unknown>) {}

  add(kind: ServerKind, name: string, unit: string, value: number, target?: string): void {
    let figure = this.figures.find((f) => f.name === name)
    if (!figure) {
      figure = { name, unit, target, samples: noSamples() }
      this.figures.push(figure)
    }
    figure.samples[kind].push(value)
  }

  /**
   * A figure at one step of a curve: named "<name>, <x> <unit>" in the
   * tables, and carrying its place on the curve so that the merge can draw
   * every server's steps of it on one chart.
   */
  addPoint(kind: ServerKind, curve: Curve, x: number, name: string, unit: string, value: number, target?: string): void {
    const fullName = `${name}, ${x.toLocaleString('en-US')} ${curve.unit}`
    this.add(kind, fullName, unit, value, target)
    this.figures.find((f) => f.name === fullName)!.point ??= { ...curve, figure: name, x }
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text)
  }

  /**
   * One line per scenario: each server's median (NaN, printed as null, where
   * it has no sample), `ratios` of Ortak's median to each peer's, and
   * `ratio`, the one to the reference, as runs before Hocuspocus had it.
   */
  summary() {
    return {
      scenario: this.scenario,
      params: this.params,
      figures: Object.fromEntries(this.figures.map((f) => {
        const medians = Object.fromEntries(SERVER_KINDS.map((kind) => [kind, round(median(f.samples[kind]), 4)])) as Record<ServerKind, number>
        const ratios = Object.fromEntries(PEERS.map((peer) => [peer, round(medians.ortak / medians[peer], 3)]))
        return [f.name, {
          unit: f.unit,
          ...medians,
          ratio: ratios.reference,
          ratios,
          target: f.target,
          point: f.point,
          samples: Object.fromEntries(SERVER_KINDS.map((kind) => [kind, f.samples[kind].map((v) => round(v, 4))])),
        }]
      })),
      notes: this.notes,
    }
  }
}

/** A plain-text table of every scenario's medians and ratios: a column and a ratio for each server of the run. */
export function formatTable(results: readonly ScenarioResult[], servers: readonly ServerKind[]): string {
  const peers = PEERS.filter((peer) => servers.includes(peer))
  const shown = SERVER_KINDS.filter((kind) => servers.includes(kind))
  const header = ['scenario', 'figure', 'unit', ...shown, ...(servers.includes('ortak') ? peers.map((peer) => `ortak/${shortName(peer)}`) : []), 'target']
  const rows: string[][] = [header]
  for (const result of results) {
    for (const [name, f] of Object.entries(result.summary().figures)) {
      const ratios = servers.includes('ortak') ? peers.map((peer) => show(f.ratios[peer]!)) : []
      rows.push([result.scenario, name, f.unit, ...shown.map((kind) => show(f[kind])), ...ratios, f.target ?? ''])
    }
  }
  const numeric = (column: number) => column >= 3 && column < header.length - 1
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row, i) => {
    const line = row.map((cell, column) => numeric(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)).join('  ')
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line
  }).join('\n')
}

/** The table's short name of a peer's ratio column. */
export const shortName = (peer: ServerKind) => ({ ortak: 'ortak', reference: 'ref', hocuspocus: 'hocus' })[peer]

// A ratio to a zero (no closes by the reference, say), or a figure a server has no sample of, says nothing.
const show = (value: number) => Number.isFinite(value) ? String(value) : '-'

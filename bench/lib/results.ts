/** Figures collected per scenario and server, reduced to medians and Ortak / peer ratios. */
import { median, round } from './stats.js'
import { PEERS, SERVER_KINDS, type ServerKind } from './servers.js'

export interface Figure {
  name: string
  unit: string
  /** What the issue asks of Ortak for this figure, for the table. */
  target?: string
  samples: Record<ServerKind, number[]>
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

/** Figures collected per scenario and server, reduced to medians and Ortak / reference ratios. */
import { median, round } from './stats.js'
import type { ServerKind } from './servers.js'

export interface Figure {
  name: string
  unit: string
  /** What the issue asks of Ortak for this figure, for the table. */
  target?: string
  samples: Record<ServerKind, number[]>
}

export class ScenarioResult {
  readonly figures: Figure[] = []
  readonly notes: string[] = []

  constructor(readonly scenario: string, readonly params: Record<string, unknown>) {}

  add(kind: ServerKind, name: string, unit: string, value: number, target?: string): void {
    let figure = this.figures.find((f) => f.name === name)
    if (!figure) {
      figure = { name, unit, target, samples: { ortak: [], reference: [] } }
      this.figures.push(figure)
    }
    figure.samples[kind].push(value)
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text)
  }

  summary() {
    return {
      scenario: this.scenario,
      params: this.params,
      figures: Object.fromEntries(this.figures.map((f) => {
        const ortak = median(f.samples.ortak)
        const reference = median(f.samples.reference)
        return [f.name, {
          unit: f.unit,
          ortak: round(ortak, 4),
          reference: round(reference, 4),
          ratio: round(ortak / reference, 3),
          target: f.target,
          samples: { ortak: f.samples.ortak.map((v) => round(v, 4)), reference: f.samples.reference.map((v) => round(v, 4)) },
        }]
      })),
      notes: this.notes,
    }
  }
}

/** A plain-text table of every scenario's medians and ratios. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows: string[][] = [['scenario', 'figure', 'unit', 'ortak', 'reference', 'ortak/ref', 'target']]
  for (const result of results) {
    for (const [name, f] of Object.entries(result.summary().figures)) {
      rows.push([result.scenario, name, f.unit, show(f.ortak), show(f.reference), show(f.ratio), f.target ?? ''])
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row, i) => {
    const line = row.map((cell, column) => column >= 3 && column <= 5 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)).join('  ')
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line
  }).join('\n')
}

// A ratio to a zero (no closes by the reference, say) says nothing.
const show = (value: number) => Number.isFinite(value) ? String(value) : '-'

/**
 * What version history costs the update path, measured where the update
 * path is measured: the trace and fanout scenarios run Ortak twice, as
 * shipped and with `VERSION_HISTORY=off`, next to each other (which goes
 * first alternates by repetition), and print for the figures issue 16 asks
 * to stay within 10 % the ratio of history on to history off.
 */
import { type BenchContext, orderFor } from './context.js'
import type { ScenarioResult } from './results.js'
import type { ServerKind } from './servers.js'
import { median } from './stats.js'

export interface ServerRun {
  kind: ServerKind
  /** Ortak started with VERSION_HISTORY=off; its figures get the name suffix HISTORY_OFF. */
  isHistoryOff: boolean
}

const HISTORY_OFF = ', history off'

/** The servers of one repetition in turn (orderFor), Ortak twice: history on and off. */
export function runsWithHistoryOff(context: BenchContext, repetition: number): ServerRun[] {
  return orderFor(context, repetition).flatMap((kind): ServerRun[] => {
    if (kind !== 'ortak') return [{ kind, isHistoryOff: false }]
    const pair = [{ kind, isHistoryOff: false }, { kind, isHistoryOff: true }]
    return repetition % 2 === 0 ? pair : pair.reverse()
  })
}

/**
 * Where a run's figure goes: under its server as ever, or, for the run with
 * history off, under Ortak with HISTORY_OFF added to its name; only the
 * figures in `compared` are kept for that run.
 */
export function figureRecorder(result: ScenarioResult, run: ServerRun, compared: readonly string[]) {
  return (name: string, unit: string, value: number, target?: string): void => {
    if (!run.isHistoryOff) result.add(run.kind, name, unit, value, target)
    else if (compared.includes(name)) result.add('ortak', `${name}${HISTORY_OFF}`, unit, value)
  }
}

/** Adds, for each figure in `compared`, Ortak's median with history on over its median with history off. */
export function addHistoryCost(result: ScenarioResult, compared: readonly string[]): void {
  const samples = (name: string) => result.figures.find((figure) => figure.name === name)?.samples.ortak ?? []
  for (const name of compared) {
    const on = samples(name)
    const off = samples(`${name}${HISTORY_OFF}`)
    if (on.length === 0 || off.length === 0) continue
    result.add('ortak', `${name}: history on / off`, 'x', median(on) / median(off), '<= 1.1')
  }
}

/** What every scenario is given: the mode, the repetition count, a scratch folder and a log line writer. */
import fs from 'node:fs'
import path from 'node:path'
import type { ServerKind } from './servers.js'

export interface BenchContext {
  isQuick: boolean
  /** Overrides every scenario's repetition count (--repetitions). */
  repetitions: number | null
  /** The servers to run, normally both. */
  servers: readonly ServerKind[]
  /** Scratch folder for this run's data directories (deleted at the end). */
  workDir: string
  /** Extra node flags for a server, e.g. --cpu-prof when profiling. */
  nodeFlags(kind: ServerKind): string[]
  log(message: string): void
  /** Data directories a scenario leaves for a later one (the trace's for the cold load). */
  shared: Map<string, unknown>
}

let nextDir = 1
/** A fresh, empty data directory for one server run. */
export function freshDir(context: BenchContext, label: string): string {
  const dir = path.join(context.workDir, `${nextDir++}-${label}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

/** Servers run in alternating order: Ortak first on even repetitions, the reference first on odd ones. */
export const orderFor = (context: BenchContext, repetition: number): ServerKind[] =>
  (repetition % 2 === 0 ? ['ortak', 'reference'] as const : ['reference', 'ortak'] as const).filter((kind) => context.servers.includes(kind))

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** What every scenario is given: the mode, the repetition count, a scratch folder and a log line writer. */
import fs from 'node:fs'
import path from 'node:path'
import { SERVER_KINDS, type ServerKind } from './servers.js'

export interface BenchContext {
  isQuick: boolean
  /** Overrides every scenario's repetition count (--repetitions). */
  repetitions: number | null
  /** The servers to run, normally all three. */
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

/** Servers run in turn, the order rotated by one each repetition, so no server always runs first (or last). */
export function orderFor(context: BenchContext, repetition: number): ServerKind[] {
  const servers = SERVER_KINDS.filter((kind) => context.servers.includes(kind))
  const shift = repetition % Math.max(1, servers.length)
  return [...servers.slice(shift), ...servers.slice(0, shift)]
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The shared editing trace (a paper typed keystroke by keystroke), read from beside the repository. */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { repoRoot } from './helpers.js'

export interface EditingTrace {
  startContent: string
  endContent: string
  txns: Array<{ patches: Array<[position: number, deleted: number, inserted: string]> }>
}

const candidates = [
  process.env.ORTAK_TRACE,
  path.join(repoRoot, '../shared/traces/automerge-paper.json.gz'),
  '/work/shared/traces/automerge-paper.json.gz',
].filter((p): p is string => Boolean(p))

export function traceFile(): string {
  const found = candidates.find((p) => fs.existsSync(p))
  if (!found) throw new Error(`editing trace not found; looked in ${candidates.join(', ')} (set ORTAK_TRACE)`)
  return found
}

export function loadTrace(): EditingTrace {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(traceFile())).toString()) as EditingTrace
}

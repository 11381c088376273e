/**
 * vitest's global setup: before any test file runs, build what is stale.
 * Tests run what users run (the compiled server, the packed packages), so a
 * test must never meet a dist/ older than the sources beside it.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export default function buildBeforeTests(): void {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.mjs')
  execFileSync(process.execPath, [script], { stdio: 'inherit' })
}

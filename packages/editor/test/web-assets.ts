/**
 * The built web assets the server serves (demo app + `ortak-editor.js`),
 * built with vite's API into .vitest-tmp/, once per content of their
 * sources: test files run in parallel processes, so the first one builds
 * under a lock directory and the others wait for it.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'vite'
import { repoRoot } from '../../../server/test/helpers.js'

const sources = ['editor/index.html', 'editor/src', 'packages/editor/src', 'packages/schema/src', 'vite.config.ts', 'packages/editor/vite.config.ts', 'package-lock.json']
const BUILD_TIMEOUT_MS = 90_000

function filesUnder(relative: string): string[] {
  const full = path.join(repoRoot, relative)
  if (!fs.statSync(full).isDirectory()) return [full]
  return fs.readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
}

function sourcesHash(): string {
  const hash = crypto.createHash('sha256')
  for (const file of sources.flatMap(filesUnder)) hash.update(path.relative(repoRoot, file)).update('\0').update(fs.readFileSync(file))
  return hash.digest('hex').slice(0, 16)
}

async function buildInto(outDir: string): Promise<void> {
  await build({
    configFile: path.join(repoRoot, 'vite.config.ts'),
    root: path.join(repoRoot, 'editor'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
  await build({
    configFile: path.join(repoRoot, 'packages/editor/vite.config.ts'),
    mode: 'standalone',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: false },
  })
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// Builds of older sources go after a day; a test run still using one would be that old.
function removeOldBuilds(base: string, current: string): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000
  for (const name of fs.readdirSync(base)) {
    const dir = path.join(base, name)
    if (!name.startsWith('web-assets-') || name.endsWith('.lock') || dir === current) continue
    if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The folder of freshly built web assets, to pass to the server as EDITOR_DIR. */
export async function builtWebAssets(): Promise<string> {
  const base = path.join(repoRoot, '.vitest-tmp')
  fs.mkdirSync(base, { recursive: true })
  const dir = path.join(base, `web-assets-${sourcesHash()}`)
  const complete = path.join(dir, '.complete')
  const lock = `${dir}.lock`
  const deadline = Date.now() + BUILD_TIMEOUT_MS
  while (!fs.existsSync(complete)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the web assets build; remove ${lock} if no test run is building`)
    try {
      fs.mkdirSync(lock)
    } catch {
      // Another test process is building: wait for it, unless it died holding the lock.
      const owner = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }))
      if (owner > 0 && !isAlive(owner)) fs.rmSync(lock, { recursive: true, force: true })
      await new Promise((resolve) => setTimeout(resolve, 200))
      continue
    }
    try {
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid))
      if (!fs.existsSync(complete)) {
        await buildInto(dir)
        fs.writeFileSync(complete, new Date().toISOString())
        removeOldBuilds(base, dir)
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true })
    }
  }
  return dir
}

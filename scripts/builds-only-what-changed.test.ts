import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'

const buildScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.mjs')

/**
 * A workspace of its own: `app` depends on `lib`, `notes` has no build
 * script. Each build writes its dist/ and appends its name to builds.log,
 * so the log says what ran, in which order.
 */
function makeWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-build-'))
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  write('package.json', JSON.stringify({ name: 'root', private: true, workspaces: ['app', 'lib', 'notes'] }))
  const build = (name: string) => `node -e "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/out','${name}');require('fs').appendFileSync('../builds.log','${name}\\n')"`
  write('app/package.json', JSON.stringify({ name: '@t/app', scripts: { build: build('app') }, devDependencies: { '@t/lib': '*' } }))
  write('app/src/index.ts', 'export {}\n')
  write('lib/package.json', JSON.stringify({ name: '@t/lib', scripts: { build: build('lib') } }))
  write('lib/src/index.ts', 'export const a = 1\n')
  write('lib/test/lib.test.ts', '\n')
  write('notes/package.json', JSON.stringify({ name: '@t/notes' }))
  return root
}

let root: string
beforeAll(() => {
  root = makeWorkspace()
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** Runs the build in the workspace and returns the packages it built, in order. */
function buildNow(...args: string[]): string[] {
  const log = path.join(root, 'builds.log')
  fs.rmSync(log, { force: true })
  execFileSync(process.execPath, [buildScript, '--root', root, ...args], { stdio: 'pipe' })
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []
}

it('builds every package with a build script, dependencies first, then only what its inputs changed', () => {
  expect(buildNow()).toEqual(['lib', 'app'])
  expect(buildNow()).toEqual([])

  fs.writeFileSync(path.join(root, 'app/src/index.ts'), 'export const b = 2\n')
  expect(buildNow()).toEqual(['app'])

  // A dependency's change reaches what bundles it.
  fs.writeFileSync(path.join(root, 'lib/src/index.ts'), 'export const a = 3\n')
  expect(buildNow()).toEqual(['lib', 'app'])

  // Tests are not inputs of a build.
  fs.writeFileSync(path.join(root, 'lib/test/lib.test.ts'), 'changed\n')
  expect(buildNow()).toEqual([])

  // An output that is gone is built again, even with unchanged sources.
  fs.rmSync(path.join(root, 'app/dist'), { recursive: true })
  expect(buildNow()).toEqual(['app'])

  expect(buildNow('--force')).toEqual(['lib', 'app'])
}, 60_000)

it('builds a package again after a failed build, even with unchanged sources', () => {
  const manifest = path.join(root, 'lib/package.json')
  const working = fs.readFileSync(manifest, 'utf8')
  fs.writeFileSync(manifest, JSON.stringify({ name: '@t/lib', scripts: { build: 'node -e "process.exit(3)"' } }))
  expect(() => buildNow()).toThrow(/Command failed/)
  fs.writeFileSync(manifest, working)
  // Back to the inputs `app` was built from: only the failed one is built.
  expect(buildNow()).toEqual(['lib'])
  expect(buildNow()).toEqual([])
}, 60_000)

#!/usr/bin/env node
/**
 * `npm run build` (and the first half of `npm start`): builds every
 * workspace package that has a `build` script into its dist/, the packages
 * it depends on first, and only those whose inputs changed since their last
 * build. A package's inputs are its own files (not dist/, tests or
 * node_modules), the build configuration at the root and the lockfile, and
 * the inputs of the workspace packages it depends on, since the demo app
 * and the server bundle those from their sources. What was built is
 * recorded in node_modules/.cache/ortak-build/, outside every package, so
 * `npm pack` never ships it.
 *
 * Plain JavaScript run by node, so that checking takes tens of
 * milliseconds: no TypeScript loader on the way to a server start.
 *
 *   node scripts/build.mjs [--force] [--root DIR]
 */
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Root files every build reads. */
const SHARED_INPUTS = ['package-lock.json', 'tsconfig.json', 'tsconfig.package.json', 'vite.config.ts', 'workspace-sources.ts']
/** Inside a package: what no build reads, or what a build writes. */
const SKIPPED = new Set(['node_modules', 'dist', 'test'])
const isSkippedFile = (name) => /\.test\.ts$/.test(name)

function parseArgs(argv) {
  const args = { isForced: false, root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..') }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--force') args.isForced = true
    else if (argv[i] === '--root' && argv[i + 1] !== undefined) args.root = path.resolve(argv[++i])
    else throw new RangeError(`unknown option ${argv[i]}: expected --force or --root DIR`)
  }
  return args
}

/** The workspace packages, each with its folder, name, build script and the workspace packages it depends on. */
function readWorkspaces(root) {
  const { workspaces = [] } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const packages = workspaces.map((folder) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, folder, 'package.json'), 'utf8'))
    return {
      folder,
      name: manifest.name,
      hasBuild: typeof manifest.scripts?.build === 'string',
      dependencies: Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies }),
    }
  })
  const names = new Set(packages.map((p) => p.name))
  for (const p of packages) p.dependencies = p.dependencies.filter((d) => names.has(d))
  return packages
}

/** The packages in an order where each comes after the workspace packages it depends on. */
function dependenciesFirst(packages) {
  const byName = new Map(packages.map((p) => [p.name, p]))
  const ordered = []
  const state = new Map()
  const visit = (p, chain) => {
    if (state.get(p.name) === 'done') return
    if (state.get(p.name) === 'visiting') throw new RangeError(`workspace packages depend on each other in a circle: ${[...chain, p.name].join(' -> ')}`)
    state.set(p.name, 'visiting')
    for (const d of p.dependencies) visit(byName.get(d), [...chain, p.name])
    state.set(p.name, 'done')
    ordered.push(p)
  }
  for (const p of packages) visit(p, [])
  return ordered
}

function filesUnder(dir) {
  const files = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIPPED.has(entry.name)) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...filesUnder(full))
    else if (entry.isFile() && !isSkippedFile(entry.name)) files.push(full)
  }
  return files
}

function hashFiles(hash, root, files) {
  for (const file of files) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0')
}

/** One key per package: it changes whenever anything the package's build reads changes. */
function inputKeys(root, ordered) {
  const shared = crypto.createHash('sha256')
  hashFiles(shared, root, SHARED_INPUTS.map((f) => path.join(root, f)).filter((f) => fs.existsSync(f)))
  const sharedKey = shared.digest('hex')
  const keys = new Map()
  for (const p of ordered) {
    const hash = crypto.createHash('sha256').update(sharedKey)
    hashFiles(hash, root, filesUnder(path.join(root, p.folder)))
    for (const d of p.dependencies) hash.update(keys.get(d))
    keys.set(p.name, hash.digest('hex'))
  }
  return keys
}

function build(argv) {
  const { isForced, root } = parseArgs(argv)
  const ordered = dependenciesFirst(readWorkspaces(root))
  const keys = inputKeys(root, ordered)
  const recordDir = path.join(root, 'node_modules/.cache/ortak-build')
  fs.mkdirSync(recordDir, { recursive: true })
  for (const p of ordered) {
    if (!p.hasBuild) continue
    const record = path.join(recordDir, `${p.name.replace('/', '+')}.key`)
    const isFresh = !isForced && fs.existsSync(path.join(root, p.folder, 'dist')) &&
      fs.existsSync(record) && fs.readFileSync(record, 'utf8') === keys.get(p.name)
    if (isFresh) continue
    process.stderr.write(`build: ${p.name} (${p.folder})\n`)
    // The record goes first: a build that fails or is interrupted must not be taken for a finished one.
    fs.rmSync(record, { force: true })
    const result = spawnSync('npm', ['run', 'build', '--silent', '-w', p.name], { cwd: root, stdio: 'inherit' })
    if (result.status !== 0) {
      process.stderr.write(`build: ${p.name} failed (exit ${result.status ?? result.signal})\n`)
      return 1
    }
    fs.writeFileSync(record, keys.get(p.name))
  }
  return 0
}

try {
  process.exitCode = build(process.argv.slice(2))
} catch (error) {
  if (!(error instanceof RangeError)) throw error
  process.stderr.write(`build: ${error.message}\n`)
  process.exitCode = 2
}

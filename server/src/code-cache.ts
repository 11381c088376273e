/**
 * V8's code cache for the compiled server: the bundle in dist/ is
 * CommonJS, and each of its files is compiled through a `vm.Script` given
 * the cached data a previous start of the same build left in
 * dist/v8-cache/, so a start deserializes the functions it runs instead of
 * parsing and compiling them again (`npm run bench -- --only restart`
 * measures the start). Node 20 has no such cache for ES modules.
 *
 * A start that found no usable cache (a new build, another Node version)
 * writes one once it is listening (`saveCodeCache`), with every function
 * compiled by then. A cache V8 rejects (`cachedDataRejected`: another V8,
 * other flags) costs nothing but the read: the file is compiled from its
 * source as without a cache. Each cache file is named after its source's
 * size and modification time as well as the V8 version, because V8 itself
 * checks only the length of the source. A dist/ the server may not write
 * (a package installed by another user) runs without a cache; nothing
 * outside dist/ is ever read as code.
 *
 * Only server/bin/ortak.js installs the hook. Under tsx or vitest nothing
 * is installed and `saveCodeCache` does nothing.
 */
import fs from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

interface CompiledScript {
  script: vm.Script
  cacheFile: string
}

/** The compiled files that had no usable cache: what `saveCodeCache` writes. */
const uncached: CompiledScript[] = []
let cacheDir: string | null = null

type Compile = (this: Module, content: string, filename: string) => unknown

/** Compiles the CommonJS files under `distDir` with V8's code cache from then on. */
export function useCodeCache(distDir = path.dirname(fileURLToPath(import.meta.url))): void {
  if (cacheDir !== null) return
  cacheDir = path.join(distDir, 'v8-cache')
  const root = distDir
  const inDist = distDir + path.sep
  const prototype = Module.prototype as unknown as { _compile: Compile }
  const compile = prototype._compile
  prototype._compile = function (content, filename) {
    if (!filename.startsWith(inDist)) return compile.call(this, content, filename)
    const cacheFile = cacheFileFor(root, filename)
    const cachedData = readIfPresent(cacheFile)
    // No importModuleDynamically (experimental in Node 20): the bundle has no import(), which vite.config.ts checks.
    const script = new vm.Script(Module.wrap(content), { filename, cachedData })
    if (cachedData === undefined || script.cachedDataRejected) uncached.push({ script, cacheFile })
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename))
  }
}

/**
 * Writes the cache of every file compiled without one, with the functions
 * compiled so far; a no-op when every file had its cache. Call once the
 * server listens: the next start then compiles nothing it needed to get
 * there. Failing to write (a read-only dist/) is not an error.
 */
export function saveCodeCache(): void {
  if (cacheDir === null || uncached.length === 0) return
  try {
    fs.mkdirSync(cacheDir, { recursive: true })
    for (const { script, cacheFile } of uncached.splice(0)) {
      // Renamed into place: a start running meanwhile reads a whole cache file or none.
      const partial = `${cacheFile}.${process.pid}.partial`
      fs.writeFileSync(partial, script.createCachedData())
      fs.renameSync(partial, cacheFile)
    }
  } catch {
    // Without a cache the server starts as it did: from the sources.
  }
}

function cacheFileFor(distDir: string, filename: string): string {
  const { size, mtimeMs } = fs.statSync(filename)
  const name = `${path.relative(distDir, filename).replaceAll(path.sep, '+')}-${size}-${Math.round(mtimeMs)}-v8-${process.versions.v8}-${process.arch}.cache`
  return path.join(cacheDir!, name)
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
}

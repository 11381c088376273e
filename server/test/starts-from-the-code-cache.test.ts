/**
 * The compiled server is compiled from V8's code cache (src/code-cache.ts) once a start has left one, and
 * from its sources when the cache is missing or unusable: either way it serves its rooms. Run on a copy of
 * server/bin and server/dist, so that no other test's start writes or reads the cache under test.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connectClient, repoRoot, spawnServer, synced, tempDir, waitFor, type ServerProcess } from './helpers.js'

const PROCESS_TEST_TIMEOUT_MS = 60_000

let copy: string
let cacheDir: string
const running: ServerProcess[] = []

beforeAll(() => {
  copy = tempDir('ortak-code-cache-')
  fs.cpSync(path.join(repoRoot, 'server/bin'), path.join(copy, 'bin'), { recursive: true })
  fs.cpSync(path.join(repoRoot, 'server/dist'), path.join(copy, 'dist'), { recursive: true, filter: (from) => !from.includes('v8-cache') })
  // better-sqlite3 and the other installed packages, as an installed server finds them.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'))
  cacheDir = path.join(copy, 'dist/v8-cache')
})

afterAll(async () => {
  for (const server of running) await server.kill()
  fs.rmSync(copy, { recursive: true, force: true })
})

/** Starts the copy, checks that a stock client syncs what it wrote before, and stops it with SIGTERM. */
async function serveOnce(dataDir: string, text: string): Promise<void> {
  const server = await spawnServer(dataDir, [], {}, path.join(copy, 'bin/ortak.js'))
  running.push(server)
  const writer = connectClient(server.wsUrl, 'cached')
  await synced(writer)
  writer.doc.getText('t').insert(0, text)
  const reader = connectClient(server.wsUrl, 'cached')
  await waitFor('the reader to see every start\'s text', () => reader.doc.getText('t').toString() === writer.doc.getText('t').toString())
  writer.destroy()
  reader.destroy()
  expect(await server.kill('SIGTERM')).toBe(0)
}

const cacheFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : [])
const contentsOf = (files: string[]) => files.map((file) => fs.readFileSync(path.join(cacheDir, file)))

it('a start writes the cache of the files it compiled, the next start uses it and writes nothing, and a corrupt file is compiled from source and written again', async () => {
  const dataDir = tempDir()
  expect(cacheFiles()).toEqual([])
  await serveOnce(dataDir, 'first ')
  const written = cacheFiles()
  // The entry, main.cjs and the chunks a start loads, each named after its source and the V8 that compiled it.
  expect(written).toEqual(expect.arrayContaining([expect.stringMatching(/^ortak\.cjs-\d+-\d+-v8-.+\.cache$/), expect.stringMatching(/^main\.cjs-/)]))
  expect(written.filter((file) => file.startsWith('chunks+')).length).toBeGreaterThanOrEqual(3)
  const contents = contentsOf(written)
  expect(contents.every((bytes) => bytes.byteLength > 1_000)).toBe(true)

  await serveOnce(dataDir, 'second ')
  // Every file was accepted: nothing was compiled without its cache, so nothing was written again.
  expect(cacheFiles()).toEqual(written)
  expect(contentsOf(written)).toEqual(contents)

  const corruptIndex = written.findIndex((file) => file.startsWith('main.cjs-'))
  const corrupt = path.join(cacheDir, written[corruptIndex]!)
  fs.writeFileSync(corrupt, Buffer.from('not a V8 code cache'))
  await serveOnce(dataDir, 'third ')
  // V8 rejected the corrupt file: main.cjs was compiled from its source and its cache written again, the others kept.
  const rewritten = fs.readFileSync(corrupt)
  expect(rewritten.byteLength).toBeGreaterThan(1_000)
  expect(contentsOf(written).filter((_, i) => i !== corruptIndex)).toEqual(contents.filter((_, i) => i !== corruptIndex))

  await serveOnce(dataDir, 'fourth ')
  expect(fs.readFileSync(corrupt)).toEqual(rewritten)
}, PROCESS_TEST_TIMEOUT_MS)

import { spawn } from 'node:child_process'
import path from 'node:path'
import { expect, it } from 'vitest'
import { repoRoot, tempDir, waitFor } from './helpers.js'

interface Finished { code: number | null; stdout: string; stderr: string }

// Each run starts node and tsx from cold: allow for a slow, busy machine.
const PROCESS_TEST_TIMEOUT_MS = 120_000

/** Runs a command from the repository root as a real child process. */
function run(command: string, args: string[]): { child: ReturnType<typeof spawn>; output: { stdout: string; stderr: string }; finished: Promise<Finished> } {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = { stdout: '', stderr: '' }
  child.stdout!.on('data', (chunk: Buffer) => void (output.stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => void (output.stderr += chunk.toString()))
  const finished = new Promise<Finished>((resolve) => child.once('exit', (code) => resolve({ code, ...output })))
  return { child, output, finished }
}

it('runs as `npx ortak` from the repository, with a one-line error and exit 2 for bad arguments', async () => {
  const [help, bad] = await Promise.all([
    run('npx', ['ortak', '--help']).finished,
    run('npx', ['ortak', 'import', 'room-only']).finished,
  ])
  expect(help.code).toBe(0)
  expect(help.stdout).toMatch(/^Usage: ortak COMMAND/)
  expect(bad).toEqual({ code: 2, stdout: '', stderr: 'ortak import: missing FILE (see ortak import --help)\n' })
}, PROCESS_TEST_TIMEOUT_MS)

it('serves with `ortak serve` until SIGTERM, logging one JSON line per event, and `ortak export` reads what it stored', async () => {
  const data = tempDir()
  const server = run(process.execPath, ['server/bin/ortak.js', 'serve', '--port', '0', '--data', data])
  let port = 0
  await waitFor('the server to log its port', () => {
    const match = /"port":(\d+)/.exec(server.output.stdout)
    if (match) port = Number(match[1])
    return port > 0
  }, 60_000)
  const put = await fetch(`http://127.0.0.1:${port}/api/rooms/served`, { method: 'PUT', body: '# Served', headers: { 'Content-Type': 'text/markdown' } })
  expect(put.status).toBe(201)
  server.child.kill('SIGTERM')
  expect((await server.finished).code).toBe(0)
  const requestLine = server.output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.msg === 'api request')
  expect(requestLine).toMatchObject({ method: 'PUT', path: '/api/rooms/served', status: 201, room: 'served' })

  const exported = await run(process.execPath, [path.join('server', 'bin', 'ortak.js'), 'export', 'served', '--data', data]).finished
  expect(exported).toEqual({ code: 0, stdout: '# Served\n', stderr: '' })
}, PROCESS_TEST_TIMEOUT_MS)

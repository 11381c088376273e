import { spawn } from 'node:child_process'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import { createLogger, type LogOutput } from '../src/log.js'
import { repoRoot, tempDir, waitFor } from './helpers.js'

const withoutColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

async function linesLogged(format: Config['logFormat'], isTTY: boolean): Promise<string[]> {
  const output: LogOutput = Object.assign(new PassThrough(), { isTTY })
  let text = ''
  output.on('data', (chunk: Buffer) => void (text += chunk.toString()))
  const log = await createLogger('info', format, output)
  log.info({ room: 'notes', code: 1012 }, 'closed the connection')
  log.debug('below the level')
  await new Promise((resolve) => setImmediate(resolve))
  return withoutColours(text).split('\n').filter(Boolean)
}

const readableLine = /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: closed the connection \{"room":"notes","code":1012\}$/

it('writes one readable line per event to a terminal, one JSON object per line elsewhere, and LOG_FORMAT overrides either', async () => {
  const [terminal, pipe, forcedPretty, forcedJson] = await Promise.all([
    linesLogged('auto', true), linesLogged('auto', false), linesLogged('pretty', false), linesLogged('json', true),
  ])
  expect(terminal).toHaveLength(1)
  expect(terminal[0]).toMatch(readableLine)
  expect(forcedPretty).toHaveLength(1)
  expect(forcedPretty[0]).toMatch(readableLine)
  for (const lines of [pipe, forcedJson]) {
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'closed the connection', room: 'notes', code: 1012 })
  }
})

it('tells a person at a terminal where to open the editor, in one line', async () => {
  // `script` gives the server a real pseudo-terminal as its standard output, as a shell would.
  const server = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'server/bin/ortak.js'))} serve --port 0 --data ${JSON.stringify(tempDir())}`
  const child = spawn('script', ['--quiet', '--return', '--command', server, '/dev/null'], {
    cwd: repoRoot, env: { ...process.env, LOG_FORMAT: '', TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    await waitFor('the server to say where it listens', () => /in a browser/.test(output), 20_000)
  } finally {
    // The whole group: `script` and the server under it.
    process.kill(-child.pid!, 'SIGTERM')
    await exited
  }
  const line = withoutColours(output).split(/\r?\n/).find((l) => l.includes('in a browser'))
  expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Ortak is running: open http:\/\/127\.0\.0\.1:\d+\/ in a browser \{"host":"127\.0\.0\.1","port":\d+,"database":"[^"]+ortak\.db"\}$/)
})

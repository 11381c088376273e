import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commands, runOrtak } from '../src/cli/run.js'
import { tempDir } from './helpers.js'
import { SECRET } from './security-helpers.js'

async function ortak(argv: string[], env: Record<string, string> = {}) {
  let stdout = ''
  let stderr = ''
  const code = await runOrtak(argv, {
    env, readStdin: async () => Buffer.alloc(0),
    stdout: (chunk) => void (stdout += Buffer.from(chunk).toString()),
    stderr: (text) => void (stderr += text),
  })
  return { code, stdout, stderr }
}

describe('ortak --help', () => {
  it('lists the commands, and each command explains itself', async () => {
    const top = await ortak(['--help'])
    expect(top.code).toBe(0)
    for (const name of ['serve', 'export', 'import', 'list', 'compact', 'inspect', 'token']) expect(top.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`))
    for (const command of commands) {
      const help = await ortak([command.name, '--help'])
      expect(help.code, command.name).toBe(0)
      expect(help.stdout, command.name).toMatch(/^Usage: ortak /)
      expect(help.stderr).toBe('')
    }
    expect((await ortak(['serve', '--help'])).stdout).toContain('--max-payload')
  })
})

describe('bad arguments', () => {
  const data = tempDir()
  const markdown = path.join(data, 'doc.md')
  fs.writeFileSync(markdown, 'text')
  const badJson = path.join(data, 'bad.json')
  fs.writeFileSync(badJson, '{"type":"doc","content":[{"type":"video"}]}')

  const cases: Array<[string[], number, string]> = [
    [[], 2, 'ortak: missing command; run ortak --help to see the commands'],
    [['publish'], 2, 'ortak: unknown command "publish"; commands: serve, export, import, list, compact, inspect, versions, restore, token'],
    [['export'], 2, 'ortak export: missing ROOM (see ortak export --help)'],
    [['export', 'r', 'extra'], 2, 'ortak export: unexpected argument "extra" (see ortak export --help)'],
    [['export', 'r', '--format', 'docx'], 2, 'ortak export: --format must be one of json, html, markdown, text, yjs, got "docx" (see ortak export --help)'],
    [['export', 'r', '--colour'], 2, 'ortak export: unknown option --colour (see ortak export --help)'],
    [['export', 'r', '--format'], 2, "ortak export: Option '--format <value>' argument missing (see ortak export --help)"],
    [['export', '..'], 2, 'ortak export: ROOM: room name contains a path separator or is a relative path (see ortak export --help)'],
    [['export', 'r', '--token', 't'], 2, 'ortak export: --token needs --url (or ORTAK_URL) (see ortak export --help)'],
    [['export', 'r', '--url', 'ftp://x'], 2, 'ortak export: --url: expected an http or https URL, got ftp: (see ortak export --help)'],
    [['export', 'r', '--url', 'not a url'], 2, 'ortak export: --url: "not a url" is not a URL like http://127.0.0.1:1234 (see ortak export --help)'],
    [['export', 'r', '--database-url', 'mysql://x'], 2, 'ortak export: invalid --database-url: expected a postgres: or postgresql: URL, got a mysql: one (see ortak export --help)'],
    [['export', 'r', '--data', path.join(data, 'missing')], 1, `ortak export: no database at ${path.join(data, 'missing', 'ortak.db')}: point --data (or DATA_DIR) at the server's data folder`],
    [['versions'], 2, 'ortak versions: missing ROOM (see ortak versions --help)'],
    [['versions', '..'], 2, 'ortak versions: ROOM: room name contains a path separator or is a relative path (see ortak versions --help)'],
    [['restore', 'r', 'first'], 2, 'ortak restore: ID must be a version number (see ortak versions ROOM), got "first" (see ortak restore --help)'],
    [['restore', 'r', '0'], 2, 'ortak restore: ID must be a version number (see ortak versions ROOM), got "0" (see ortak restore --help)'],
    [['export', 'r', '--version', '1.5'], 2, 'ortak export: --version must be a version number (see ortak versions ROOM), got "1.5" (see ortak export --help)'],
    [['import', 'r'], 2, 'ortak import: missing FILE (see ortak import --help)'],
    [['import'], 2, 'ortak import: missing ROOM and FILE (see ortak import --help)'],
    [['import', 'r', 'notes.txt', '--data', data], 2, 'ortak import: cannot tell the format of "notes.txt" from its extension: pass --format (markdown, html, json, yjs) (see ortak import --help)'],
    [['import', 'r', markdown, '--format', 'rtf', '--data', data], 2, 'ortak import: --format must be one of markdown, html, json, yjs, got "rtf" (see ortak import --help)'],
    [['import', 'r', 'u.yjs', '--replace', '--data', data], 2, 'ortak import: --replace does not apply to a yjs update, which is merged into the document (see ortak import --help)'],
    [['import', 'r', path.join(data, 'absent.md'), '--data', data], 1, `ortak import: cannot read ${path.join(data, 'absent.md')}: ENOENT`],
    [['import', 'r', badJson, '--data', data], 1, `ortak import: ${badJson}: document does not fit the Ortak schema: Unknown node type: video`],
    [['list', 'extra'], 2, 'ortak list: unexpected argument "extra" (see ortak list --help)'],
    [['compact', 'a', 'b'], 2, 'ortak compact: unexpected argument "b" (see ortak compact --help)'],
    [['compact', 'ghost', '--data', data], 1, 'ortak compact: no room "ghost" is stored'],
    [['inspect'], 2, 'ortak inspect: missing ROOM (see ortak inspect --help)'],
    [['inspect', 'ghost', '--data', data], 1, 'ortak inspect: no room "ghost" is stored'],
    [['export', 'ghost', '--data', data], 1, 'ortak export: no document is stored for room "ghost"'],
    [['token', '--room', 'r', '--write'], 2, 'ortak token: AUTH_SECRET is not set: export the same secret the server uses, or pass --private-key FILE (see ortak token --help)'],
    [['token', '--write'], 2, 'ortak token: give either --room NAME or --room-prefix PREFIX (see ortak token --help)'],
  ]

  it.each(cases)('ortak %j exits %i with one line', async (argv, exitCode, line) => {
    // The data folder exists with a database for the commands that get past their arguments.
    if (!fs.existsSync(path.join(data, 'ortak.db'))) await ortak(['import', 'seeded', markdown, '--data', data])
    const result = await ortak(argv)
    expect(result).toEqual({ code: exitCode, stdout: '', stderr: `${line}\n` })
  })

  it('prints a token with `ortak token`', async () => {
    const result = await ortak(['token', '--room', 'r', '--write'], { AUTH_SECRET: SECRET })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    expect(result.stderr).toBe('write access to room "r" for local ("local"), valid for 8h\n')
  })
})

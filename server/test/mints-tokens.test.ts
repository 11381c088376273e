import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { AccessControl } from '../src/auth/access-token.js'
import { publicKey, secretKey } from '../src/auth/keys.js'
import { runOrtak } from '../src/cli/run.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { repoRoot, tempDir } from './helpers.js'
import { SECRET } from './security-helpers.js'

const env = { AUTH_SECRET: SECRET }

/** `ortak token ...` in this process, with what it printed. */
async function runTokenCommand(argv: string[], environment: Record<string, string>) {
  let stdout = ''
  let stderr = ''
  const exitCode = await runOrtak(['token', ...argv], {
    env: environment,
    readStdin: async () => Buffer.alloc(0),
    stdout: (chunk) => void (stdout += Buffer.from(chunk).toString()),
    stderr: (text) => void (stderr += text),
  })
  return { exitCode, stdout, stderr }
}

describe('the token command', () => {
  it('mints a write token the server accepts for that room only', async () => {
    const result = await runTokenCommand(['--room', 'plans', '--write', '--user', 'ada', '--name', 'Ada L', '--expires', '30m'], env)
    expect(result.exitCode).toBe(0)
    const jwt = result.stdout.trim()
    const access = new AccessControl([secretKey(SECRET)])
    expect(await access.check(jwt, 'plans')).toEqual({ permission: 'write', user: { id: 'ada', name: 'Ada L' } })
    expect(await access.check(jwt, 'plans-2')).toMatchObject({ code: 4403 })
    const claims = decodeJwt(jwt)
    expect(claims.exp! - claims.iat!).toBe(1800)
    expect(result.stderr).toContain('write access to room "plans" for ada')
  })

  it('mints read tokens by default, and prefix tokens', async () => {
    const result = await runTokenCommand(['--room-prefix', 'team-a:'], env)
    const access = new AccessControl([secretKey(SECRET)])
    expect(await access.check(result.stdout.trim(), 'team-a:notes')).toEqual({ permission: 'read', user: { id: 'local', name: 'local' } })
  })

  it('signs with a private key file for servers configured with the public key', async () => {
    const pair = generateKeyPairSync('ed25519')
    const file = path.join(tempDir(), 'private.pem')
    fs.writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const result = await runTokenCommand(['--room', 'r', '--private-key', file], {})
    expect(result.exitCode).toBe(0)
    const access = new AccessControl([publicKey(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())])
    expect(await access.check(result.stdout.trim(), 'r')).toMatchObject({ permission: 'read' })
  })

  const badInput: Array<[string[], Record<string, string>, RegExp]> = [
    [['--room', 'r'], {}, /AUTH_SECRET is not set/],
    [['--write'], env, /give either --room NAME or --room-prefix PREFIX/],
    [['--room', 'r', '--room-prefix', 'p'], env, /give either --room NAME or --room-prefix PREFIX/],
    [['--room', 'r', '--read', '--write'], env, /choose one of --write and --read/],
    [['--room', 'a/b'], env, /--room: room name contains a path separator/],
    [['--room', 'r', '--expires', 'forever'], env, /--expires: expected a duration/],
    [['--room', 'r', '--colour', 'red'], env, /unknown option --colour/],
    [['--room', 'r'], { AUTH_SECRET: 'short' }, /use at least 32/],
  ]
  for (const [args, environment, problem] of badInput) {
    it(`refuses ${args.join(' ')}${environment.AUTH_SECRET === undefined ? ' without AUTH_SECRET' : ''} with exit code 2 and the problem`, async () => {
      const result = await runTokenCommand(args, environment)
      expect(result.exitCode).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(problem)
      expect(result.stderr).toContain('(see ortak token --help)')
    })
  }

  it('runs as `npm run token`', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'token', '--', '--room', 'demo', '--write'], {
      cwd: repoRoot, env: { ...process.env, AUTH_SECRET: SECRET },
    })
    expect(decodeJwt(stdout.trim())).toMatchObject({ room: 'demo', permission: 'write', sub: 'local' })
  })
})

describe('the AUTH_SECRET and AUTH_PUBLIC_KEY settings', () => {
  it('refuse a secret shorter than 32 characters', () => {
    expect(() => loadConfig([], { AUTH_SECRET: 'too-short' })).toThrow(ConfigError)
    expect(() => loadConfig([], { AUTH_SECRET: 'too-short' })).toThrow(/invalid AUTH_SECRET: the secret has 9 characters; use at least 32/)
  })

  it('read a public key from a file and refuse one that is not a key', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const file = path.join(tempDir(), 'public.pem')
    fs.writeFileSync(file, pair.publicKey.export({ type: 'spki', format: 'pem' }))
    expect(loadConfig([], { AUTH_PUBLIC_KEY: file }).authPublicKey).toContain('BEGIN PUBLIC KEY')
    expect(() => loadConfig(['--auth-public-key', '/nonexistent/key.pem'], {})).toThrow(/invalid --auth-public-key: .*cannot read "\/nonexistent\/key.pem": ENOENT/)
    expect(() => loadConfig([], { AUTH_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })).toThrow(/not a PEM public key/)
  })
})

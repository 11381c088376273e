/**
 * `npm run token -- --room NAME --write`: prints an access token for local
 * use and testing. Written as a function of its arguments and environment
 * so a wider `ortak` command line can mount it as `ortak token`.
 */
import { parseArgs } from 'node:util'
import { parseClaims, type Permission } from './access-token.js'
import { privateKey, readPem, secretKey, type TokenKey } from './keys.js'
import { mintToken } from './mint-token.js'
import { roomNameProblem } from '../room-name.js'

export const TOKEN_USAGE = `Usage: npm run token -- --room NAME [--write | --read] [options]

Prints an access token (a JWT) for the Ortak server. Connect with ?token=<it>,
e.g. new WebsocketProvider(url, room, doc, { params: { token } }).

  --room NAME            the room the token opens
  --room-prefix PREFIX   every room whose name starts with PREFIX (instead of --room)
  --write | --read       may change the document, or only see it (default: --read)
  --user ID              user id, the \`sub\` claim (default: local)
  --name NAME            display name on the cursor (default: the user id)
  --expires DURATION     lifetime: 90s, 30m, 8h or 7d (default: 8h)
  --private-key FILE     sign with this PEM private key instead of AUTH_SECRET

Signs with AUTH_SECRET from the environment (HS256) unless --private-key is given.`

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Runs the command; never throws for bad input, which is reported on stderr with exit code 2. */
export async function runTokenCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
  const fail = (problem: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `token: ${problem}\n\n${TOKEN_USAGE}\n` })
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        room: { type: 'string' },
        'room-prefix': { type: 'string' },
        write: { type: 'boolean' },
        read: { type: 'boolean' },
        user: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        'private-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    return fail((error as Error).message)
  }
  if (values.help) return { exitCode: 0, stdout: `${TOKEN_USAGE}\n`, stderr: '' }
  if (values.write && values.read) return fail('choose one of --write and --read')
  if ((values.room === undefined) === (values['room-prefix'] === undefined)) return fail('give either --room NAME or --room-prefix PREFIX')
  if (values.room !== undefined) {
    const problem = roomNameProblem(values.room)
    if (problem) return fail(`--room: ${problem}`)
  }
  const expiresInSeconds = parseDuration(values.expires ?? '8h')
  if (expiresInSeconds === null) return fail(`--expires: expected a duration like 90s, 30m, 8h or 7d, got "${values.expires}"`)

  const user = values.user ?? 'local'
  const permission: Permission = values.write ? 'write' : 'read'
  const claims = parseClaims({ sub: user, name: values.name ?? user, room: values.room, roomPrefix: values['room-prefix'], permission })
  if (typeof claims === 'string') return fail(`the token ${claims}`)

  let signingKey: TokenKey
  try {
    if (values['private-key'] !== undefined) signingKey = privateKey(readPem(values['private-key']))
    else if (env.AUTH_SECRET) signingKey = secretKey(env.AUTH_SECRET)
    else return fail('AUTH_SECRET is not set: export the same secret the server uses, or pass --private-key FILE')
  } catch (error) {
    return fail((error as Error).message)
  }
  const token = await mintToken({ ...claims, expiresInSeconds }, signingKey)
  const grant = claims.room !== undefined ? `room "${claims.room}"` : `rooms starting with "${claims.roomPrefix}"`
  return {
    exitCode: 0,
    stdout: `${token}\n`,
    stderr: `${permission} access to ${grant} for ${claims.sub} ("${claims.name}"), valid for ${values.expires ?? '8h'}\n`,
  }
}

function parseDuration(text: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(text)
  if (!match) return null
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!
  return seconds > 0 ? seconds : null
}

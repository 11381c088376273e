/** `ortak token --room NAME --write`: prints an access token for local use and testing. */
import { parseClaims, type Permission } from '../auth/access-token.js'
import { privateKey, readPem, secretKey, type TokenKey } from '../auth/keys.js'
import { mintToken } from '../auth/mint-token.js'
import { roomNameProblem } from '../room-name.js'
import { UsageError, parseCommandArgs, type Command } from './command.js'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print an access token (JWT) for a room',
  usage: `Usage: ortak token --room NAME [--write | --read] [options]

Prints an access token (a JWT) for the Ortak server. Connect with ?token=<it>,
e.g. new WebsocketProvider(url, room, doc, { params: { token } }).

  --room NAME            the room the token opens
  --room-prefix PREFIX   every room whose name starts with PREFIX (instead of --room)
  --write | --read       may change the document, or only see it (default: --read)
  --user ID              user id, the \`sub\` claim (default: local)
  --name NAME            display name on the cursor (default: the user id)
  --expires DURATION     lifetime: 90s, 30m, 8h or 7d (default: 8h)
  --private-key FILE     sign with this PEM private key instead of AUTH_SECRET

Signs with AUTH_SECRET from the environment (HS256) unless --private-key is given.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      room: { type: 'string' },
      'room-prefix': { type: 'string' },
      write: { type: 'boolean' },
      read: { type: 'boolean' },
      user: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
      'private-key': { type: 'string' },
    }, { names: [], required: 0 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    if (values.write && values.read) throw new UsageError('choose one of --write and --read')
    if ((values.room === undefined) === (values['room-prefix'] === undefined)) throw new UsageError('give either --room NAME or --room-prefix PREFIX')
    if (values.room !== undefined) {
      const problem = roomNameProblem(values.room)
      if (problem) throw new UsageError(`--room: ${problem}`)
    }
    const expires = values.expires ?? '8h'
    const expiresInSeconds = parseDuration(expires)
    if (expiresInSeconds === null) throw new UsageError(`--expires: expected a duration like 90s, 30m, 8h or 7d, got "${expires}"`)

    const user = values.user ?? 'local'
    const permission: Permission = values.write ? 'write' : 'read'
    const claims = parseClaims({ sub: user, name: values.name ?? user, room: values.room, roomPrefix: values['room-prefix'], permission })
    if (typeof claims === 'string') throw new UsageError(`the token ${claims}`)

    const token = await mintToken({ ...claims, expiresInSeconds }, signingKey(values['private-key'], io.env))
    const grant = claims.room !== undefined ? `room "${claims.room}"` : `rooms starting with "${claims.roomPrefix}"`
    io.stdout(`${token}\n`)
    io.stderr(`${permission} access to ${grant} for ${claims.sub} ("${claims.name}"), valid for ${expires}\n`)
  },
}

/** The key named by --private-key, or else AUTH_SECRET; a key that cannot be used is a UsageError. */
function signingKey(privateKeyFile: string | undefined, env: Readonly<Record<string, string | undefined>>): TokenKey {
  try {
    if (privateKeyFile !== undefined) return privateKey(readPem(privateKeyFile))
    if (env.AUTH_SECRET) return secretKey(env.AUTH_SECRET)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  throw new UsageError('AUTH_SECRET is not set: export the same secret the server uses, or pass --private-key FILE')
}

function parseDuration(text: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(text)
  if (!match) return null
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!
  return seconds > 0 ? seconds : null
}

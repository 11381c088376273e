/**
 * Access tokens: a JWT, sent as the `token` query parameter of the
 * WebSocket URL, grants one user `read` or `write` access to one room or
 * to every room whose name starts with a prefix, until it expires.
 *
 * Claims: `sub` (user id), `name` (display name), `room` or `roomPrefix`,
 * `permission` (`read` | `write`), `exp` (required). Tokens are signed by
 * the app's own login service (HS256 with the shared `AUTH_SECRET`, or its
 * private key when the server holds the public one) or by `ortak token`.
 */
import { errors, jwtVerify, type JWTPayload } from 'jose'
import { CLOSE_ROOM_FORBIDDEN, CLOSE_TOKEN_INVALID, CLOSE_TOKEN_MALFORMED, type Refusal } from '@ortak/protocol'
import type { TokenKey } from './keys.js'

export type Permission = 'read' | 'write'

export interface UserIdentity {
  id: string
  name: string
}

/** What a connection may do: the grant of its token, or full access when access control is off. */
export interface Access {
  permission: Permission
  /** The user named by the token; null when access control is off. */
  user: UserIdentity | null
}

export interface TokenClaims {
  sub: string
  name: string
  room?: string
  roomPrefix?: string
  permission: Permission
}

/** Everyone may read and write: the local default, with no secret or public key configured. */
export const OPEN_ACCESS: Access = Object.freeze({ permission: 'write', user: null })

// A JWT carrying Ortak's claims is a few hundred bytes; anything far larger is not one of ours.
const MAX_TOKEN_LENGTH = 8 * 1024
const MAX_NAME_LENGTH = 256

export class AccessControl {
  private readonly keys: TokenKey[]

  /** No keys: access control is off and every connection gets OPEN_ACCESS. */
  constructor(keys: readonly TokenKey[]) {
    this.keys = [...keys]
  }

  get isEnabled(): boolean {
    return this.keys.length > 0
  }

  /** Checks the token of a connection to `room`: its access, or why it is refused. Never throws for bad tokens. */
  async check(token: string | undefined, room: string): Promise<Access | Refusal> {
    if (!this.isEnabled) return OPEN_ACCESS
    if (token === undefined || token === '') {
      return { code: CLOSE_TOKEN_INVALID, reason: 'access token missing: connect with ?token=<JWT>' }
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      return { code: CLOSE_TOKEN_MALFORMED, reason: `access token is longer than ${MAX_TOKEN_LENGTH} characters` }
    }
    let payload: JWTPayload
    try {
      // keyFor pins the algorithm: only one a configured key allows is ever tried.
      ;({ payload } = await jwtVerify(token, (header) => this.keyFor(header.alg), { requiredClaims: ['exp'] }))
    } catch (error) {
      return refusalFor(error)
    }
    const claims = parseClaims(payload)
    if (typeof claims === 'string') return { code: CLOSE_TOKEN_MALFORMED, reason: `access token ${claims}` }
    if (!grantsRoom(claims, room)) {
      const granted = claims.room !== undefined ? `room "${claims.room}"` : `rooms starting with "${claims.roomPrefix}"`
      return { code: CLOSE_ROOM_FORBIDDEN, reason: `access token grants ${granted}, not this room` }
    }
    return { permission: claims.permission, user: { id: claims.sub, name: claims.name } }
  }

  /** The key for a token's `alg`; a token whose algorithm no key allows fails as wrongly signed. */
  private keyFor(alg: string | undefined) {
    const match = this.keys.find((k) => alg !== undefined && k.algorithms.includes(alg))
    if (!match) {
      const accepted = this.keys.flatMap((k) => k.algorithms).join(', ')
      throw new errors.JOSEAlgNotAllowed(`algorithm ${alg ?? '(none)'} is not accepted (accepted: ${accepted})`)
    }
    return match.key
  }
}

export function grantsRoom(claims: Pick<TokenClaims, 'room' | 'roomPrefix'>, room: string): boolean {
  return claims.room !== undefined ? claims.room === room : room.startsWith(claims.roomPrefix!)
}

/** Validates the claims Ortak needs; returns what is wrong with them as a phrase, or the typed claims. */
export function parseClaims(payload: JWTPayload): TokenClaims | string {
  const { sub, name, room, roomPrefix, permission } = payload as Record<string, unknown>
  if (typeof sub !== 'string' || sub === '') return 'has no user id (`sub` claim)'
  if (typeof name !== 'string' || name.trim() === '') return 'has no display name (`name` claim)'
  if (name.length > MAX_NAME_LENGTH) return `display name is longer than ${MAX_NAME_LENGTH} characters`
  if ((room === undefined) === (roomPrefix === undefined)) return 'must name either a `room` or a `roomPrefix`'
  if (room !== undefined && (typeof room !== 'string' || room === '')) return '`room` claim is not a room name'
  if (roomPrefix !== undefined && typeof roomPrefix !== 'string') return '`roomPrefix` claim is not a string'
  if (permission !== 'read' && permission !== 'write') return '`permission` claim must be "read" or "write"'
  return { sub, name, permission, ...(room !== undefined ? { room: room as string } : { roomPrefix: roomPrefix as string }) }
}

function refusalFor(error: unknown): Refusal {
  if (!(error instanceof errors.JOSEError)) throw error
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : ''
    return { code: CLOSE_TOKEN_INVALID, reason: `access token expired${exp}` }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return { code: CLOSE_TOKEN_INVALID, reason: 'access token signature is invalid (signed with another key?)' }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { code: CLOSE_TOKEN_INVALID, reason: `access token ${error.message}` }
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return { code: CLOSE_TOKEN_INVALID, reason: 'access token is not valid yet (`nbf` in the future)' }
    return { code: CLOSE_TOKEN_MALFORMED, reason: `access token claim \`${error.claim}\` ${error.reason === 'missing' ? 'is missing' : 'is invalid'}` }
  }
  return { code: CLOSE_TOKEN_MALFORMED, reason: 'access token is not a well-formed JWT' }
}

/**
 * The version history routes of the HTTP API, under `/api/rooms/:room/versions`:
 * list (newest first, `limit` at a time from `cursor`), read one in any export format,
 * save a named version, restore one. Mounted by rooms-api.ts, which owns
 * authorization, the room parameter and the error answers.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono'
import type { Access, Permission } from '../auth/access-token.js'
import { contentTypes } from '../documents/formats.js'
import type { VersionAuthor } from '../storage/versions.js'
import { ApiError } from './api-error.js'
import { exportFormatParameter, exportResponse } from './export-response.js'
import { listedVersion, type RoomVersions } from './room-versions.js'

type ApiEnv = { Variables: { room: string; problem: string } }

export interface VersionRoutesContext {
  versions: RoomVersions
  authorize(c: Context<ApiEnv>, room: string, permission: Permission): Promise<Access>
  roomParameter: MiddlewareHandler<ApiEnv>
  limitBody: MiddlewareHandler<ApiEnv>
  pageSize(raw: string | undefined): number
}

const MAX_NAME_LENGTH = 200

/** The routes these add, with their methods, for the API's 405 answers. */
export const versionRoutes: Array<[RegExp, string]> = [
  [/\/rooms\/[^/]+\/versions$/, 'GET, POST'],
  [/\/rooms\/[^/]+\/versions\/[^/]+\/restore$/, 'POST'],
  [/\/rooms\/[^/]+\/versions\/[^/]+$/, 'GET'],
]

export function addVersionRoutes(api: Hono<ApiEnv>, { versions, authorize, roomParameter, limitBody, pageSize }: VersionRoutesContext): void {
  api.get('/rooms/:room/versions', roomParameter, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'read')
    const limit = pageSize(c.req.query('limit'))
    const cursor = c.req.query('cursor')
    const page = await versions.list(room, limit, cursor === undefined ? undefined : versionId(cursor, 'cursor'))
    return c.json({
      versions: page.versions.map(listedVersion),
      next: page.next,
    })
  })

  api.get('/rooms/:room/versions/:id', roomParameter, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'read')
    const id = versionId(c.req.param('id'), 'version id')
    const format = exportFormatParameter(c)
    const rawSince = c.req.query('since')
    const since = rawSince === undefined ? undefined : versionId(rawSince, 'since')
    if (since !== undefined && format !== 'yjs') throw new ApiError(400, 'since is for format=yjs only: the other formats are whole documents')
    if (since !== undefined && since >= id) throw new ApiError(400, `since must be a version before ${id}, got ${since}`)
    // The updates the diff view reads, merged from the stored increments: no document is built for them.
    if (format === 'yjs') return c.body(new Uint8Array(await versions.update(room, id, since)), 200, { 'Content-Type': contentTypes.yjs })
    return exportResponse(c, await versions.open(room, id), format)
  })

  api.post('/rooms/:room/versions', roomParameter, limitBody, async (c) => {
    const room = c.get('room')
    const access = await authorize(c, room, 'write')
    const name = nameFrom(await c.req.text())
    const version = await versions.save(room, name, authorOf(access))
    return c.json({ room, version: listedVersion(version) }, 201)
  })

  api.post('/rooms/:room/versions/:id/restore', roomParameter, async (c) => {
    const room = c.get('room')
    const access = await authorize(c, room, 'write')
    const id = versionId(c.req.param('id'), 'version id')
    const { version, changed, updateBytes } = await versions.restore(room, id, authorOf(access))
    return c.json({ room, restoredFrom: id, changed, updateBytes, version: listedVersion(version) })
  })
}

/** Who a request acts for: the token's user, or, without access control, the API itself, unverified. */
function authorOf(access: Access): VersionAuthor {
  return access.user ? { id: access.user.id, name: access.user.name, verified: true } : { id: null, name: 'HTTP API', verified: false }
}

function versionId(raw: string, what: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(id >= 1)) throw new ApiError(400, `${what} must be a version number (a whole number from 1), got "${raw}"`)
  return id
}

function nameFrom(body: string): string {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    throw new ApiError(400, `body is not valid JSON: ${(error as Error).message}; send {"name": "..."}`)
  }
  const name = typeof json === 'object' && json !== null ? (json as { name?: unknown }).name : undefined
  if (typeof name !== 'string' || name.trim() === '') throw new ApiError(400, 'body must be {"name": "..."} with a non-empty name')
  if (name.length > MAX_NAME_LENGTH) throw new ApiError(400, `name is longer than ${MAX_NAME_LENGTH} characters`)
  return name.trim()
}

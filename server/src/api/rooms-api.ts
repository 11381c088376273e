/**
 * The HTTP document API, mounted at `/api`: list rooms, export a document,
 * seed or replace it, apply a Yjs update, upload and read a room's files,
 * delete a room. Every refused
 * request is answered `{ "status": N, "message": "..." }`; every request
 * is logged as one line.
 */
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Logger } from 'pino'
import { CLOSE_DOCUMENT_TOO_LARGE, CLOSE_ROOM_FORBIDDEN, CLOSE_UNKNOWN_CONTENT } from '@ortak/protocol'
import { OPEN_ACCESS, type Access, type AccessControl, type Permission } from '../auth/access-token.js'
import { ProtocolError } from '../protocol/messages.js'
import { decodeRoomSegment } from '../room-name.js'
import { RoomBusyError } from '../rooms/registry.js'
import { RoomDeletedError, StorageError } from '../storage/storage.js'
import { CorruptVersionError } from '../storage/stored-increment.js'
import { DocumentInputError, UnrenderableDocumentError, importFormatOf, parseDocument } from '../documents/formats.js'
import { RoomFilesFullError, isFileHash } from '../storage/file-store.js'
import { ApiError, errorResponse } from './api-error.js'
import { exportFormatParameter, exportResponse } from './export-response.js'
import { DocumentConflictError, type RoomDocuments, type WriteMode } from './room-documents.js'
import { UnsupportedFileError, fileUrl, type RoomFiles } from './room-files.js'
import { VersionNotFoundError, type RoomVersions } from './room-versions.js'
import { addVersionRoutes, versionRoutes } from './versions-api.js'

export interface RoomsApiContext {
  documents: RoomDocuments
  files: RoomFiles
  /** The rooms' version history; its routes answer 404 when absent. */
  versions?: RoomVersions
  access: AccessControl
  log: Logger
  /** Largest request body accepted (a document to import or an update). */
  maxBodyBytes: number
  /** Largest file accepted by an upload. */
  maxUploadBytes: number
}

// A file's address names its bytes, which never change: caches may keep it for good (a year, as HTTP counts it).
const IMMUTABLE = 'max-age=31536000, immutable'
// A file is shown, never run: browsers must not guess another type for it, and a page that opens it runs nothing.
const FILE_SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" }

const DEFAULT_PAGE_SIZE = 100
const MAX_PAGE_SIZE = 1000

type ApiEnv = { Variables: { room: string; problem: string } }

export function createRoomsApi({ documents, files, versions, access, log, maxBodyBytes, maxUploadBytes }: RoomsApiContext): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>()

  api.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    const status = c.res.status
    const line = {
      method: c.req.method, path: c.req.path, status, ms: +(performance.now() - started).toFixed(2),
      room: c.get('room'), problem: c.get('problem'),
    }
    if (status >= 500) log.error(line, 'api request failed')
    else if (status >= 400) log.warn(line, 'api request refused')
    else log.info(line, 'api request')
  })

  /**
   * Checks the request's bearer token for `permission` on `room` (every room for a listing); resolves with
   * what it grants. Where `isQueryTokenAllowed`, the token may come as `?token=` instead: an <img> cannot
   * send a header.
   */
  const authorize = async (c: Context<ApiEnv>, room: string | null, permission: Permission, isQueryTokenAllowed = false): Promise<Access> => {
    if (!access.isEnabled) return OPEN_ACCESS
    const header = c.req.header('authorization')
    const token = header === undefined ? (isQueryTokenAllowed ? c.req.query('token') : undefined) : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
    if (header !== undefined && token === undefined) {
      throw new ApiError(401, 'Authorization header must be "Bearer <token>"', { 'WWW-Authenticate': 'Bearer' })
    }
    if (token === undefined) {
      const where = isQueryTokenAllowed ? ' or as ?token=<token>' : ''
      throw new ApiError(401, `access token missing: send it as "Authorization: Bearer <token>"${where}`, { 'WWW-Authenticate': 'Bearer' })
    }
    const granted = await access.check(token, room ?? '')
    if ('code' in granted) {
      if (granted.code !== CLOSE_ROOM_FORBIDDEN) throw new ApiError(401, granted.reason, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
      throw new ApiError(403, room === null ? 'listing rooms needs a token for every room (`roomPrefix: ""`)' : granted.reason)
    }
    if (permission === 'write' && granted.permission !== 'write') {
      throw new ApiError(403, `access token grants read access only; ${c.req.method} needs write access`)
    }
    return granted
  }

  const roomParameter = async (c: Context<ApiEnv>, next: () => Promise<void>) => {
    const segment = /\/rooms\/([^/]*)/.exec(new URL(c.req.url).pathname)?.[1] ?? ''
    const decoded = decodeRoomSegment(segment)
    if ('problem' in decoded) throw new ApiError(400, decoded.problem)
    c.set('room', decoded.name)
    await next()
  }

  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => { throw new ApiError(413, `request body exceeds ${maxBodyBytes} bytes`) },
  })

  // The token first: a body is read only for someone who may upload it.
  const mayUpload = async (c: Context<ApiEnv>, next: () => Promise<void>) => {
    await authorize(c, c.get('room'), 'write')
    await next()
  }
  // Enforced while the body arrives (or from its Content-Length): an oversize upload is never read whole.
  const limitUpload = bodyLimit({
    maxSize: maxUploadBytes,
    onError: () => { throw new ApiError(413, `file exceeds MAX_UPLOAD_BYTES (${maxUploadBytes} bytes)`) },
  })

  api.get('/rooms', async (c) => {
    await authorize(c, null, 'read')
    const limit = pageSize(c.req.query('limit'))
    const after = c.req.query('after') ?? ''
    const rooms = (await documents.list()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const page = rooms.filter((room) => room.name > after).slice(0, limit + 1)
    const hasMore = page.length > limit
    if (hasMore) page.pop()
    return c.json({ rooms: page, next: hasMore ? page[page.length - 1]!.name : null })
  })

  api.get('/rooms/:room', roomParameter, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'read')
    const format = exportFormatParameter(c)
    const doc = await documents.read(room)
    if (!doc) throw new ApiError(404, `no document is stored for room "${room}"`)
    return exportResponse(c, doc, format)
  })

  api.put('/rooms/:room', roomParameter, limitBody, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'write')
    const mode = writeMode(c.req.query('mode'))
    const format = importFormatOf(c.req.header('content-type'))
    if (!format) {
      throw new ApiError(415, `Content-Type must be text/markdown, text/html or application/json (ProseMirror JSON), got ${c.req.header('content-type') ?? 'none'}`)
    }
    const doc = await parseDocument(await c.req.text(), format)
    const result = await documents.write(room, doc, mode)
    return c.json({ room, mode, ...result }, mode === 'seed' && result.changed ? 201 : 200)
  })

  api.post('/rooms/:room/updates', roomParameter, limitBody, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'write')
    const contentType = c.req.header('content-type')?.split(';')[0]!.trim().toLowerCase()
    if (contentType !== 'application/octet-stream') {
      throw new ApiError(415, `Content-Type must be application/octet-stream (a binary Yjs update), got ${contentType ?? 'none'}`)
    }
    const update = new Uint8Array(await c.req.arrayBuffer())
    if (update.byteLength === 0) throw new ApiError(400, 'body is empty: send a Yjs update (encoding v1)')
    await documents.applyUpdate(room, update)
    return c.json({ room, updateBytes: update.byteLength })
  })

  api.post('/rooms/:room/files', roomParameter, mayUpload, limitUpload, async (c) => {
    const room = c.get('room')
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    if (bytes.byteLength === 0) throw new ApiError(400, "body is empty: send the file's bytes")
    const file = await files.upload(room, bytes)
    const url = fileUrl(room, file.hash)
    c.header('Location', url)
    return c.json({ url, type: file.mediaType, size: file.bytes.byteLength }, 201)
  })

  api.get('/rooms/:room/files/:hash', roomParameter, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'read', true)
    const hash = c.req.param('hash') ?? ''
    if (!isFileHash(hash)) throw new ApiError(400, `"${hash.slice(0, 80)}" is not a file's name: files are named by the 64 hex digits of their SHA-256`)
    const file = await files.read(room, hash)
    if (!file) throw new ApiError(404, `room "${room}" holds no file ${hash}`)
    const etag = `"${hash}"`
    // Behind access control a shared cache must not hand the file to someone without a token.
    const headers = { ...FILE_SECURITY_HEADERS, ETag: etag, 'Cache-Control': `${access.isEnabled ? 'private' : 'public'}, ${IMMUTABLE}` }
    const known = c.req.header('if-none-match')?.split(',').map((tag) => tag.trim().replace(/^W\//, ''))
    if (known?.includes(etag) || known?.includes('*')) return c.body(null, 304, headers)
    return c.body(new Uint8Array(file.bytes), 200, { ...headers, 'Content-Type': file.mediaType })
  })

  api.delete('/rooms/:room', roomParameter, async (c) => {
    const room = c.get('room')
    await authorize(c, room, 'write')
    const closedConnections = await documents.delete(room)
    if (closedConnections === null) throw new ApiError(404, `no room "${room}" to delete`)
    return c.json({ room, deleted: true, closedConnections })
  })

  if (versions) addVersionRoutes(api, { versions, authorize, roomParameter, limitBody, pageSize })

  const routes: Array<[RegExp, string]> = [
    ...versionRoutes,
    [/\/rooms$/, 'GET'],
    [/\/rooms\/[^/]+\/updates$/, 'POST'],
    [/\/rooms\/[^/]+\/files$/, 'POST'],
    [/\/rooms\/[^/]+\/files\/[^/]+$/, 'GET'],
    [/\/rooms\/[^/]+$/, 'GET, PUT, DELETE'],
  ]
  api.all('*', (c) => {
    if (/\/rooms\/(\/|$)/.test(c.req.path)) throw new ApiError(400, 'room name is empty: use /api/rooms/<room>')
    if (!versions && versionRoutes.some(([pattern]) => pattern.test(c.req.path))) {
      throw new ApiError(404, 'this server keeps no version history (VERSION_HISTORY is off, or its storage keeps none)')
    }
    const allowed = routes.find(([pattern]) => pattern.test(c.req.path))?.[1]
    if (allowed) throw new ApiError(405, `${c.req.method} is not supported here; use ${allowed}`, { Allow: allowed })
    throw new ApiError(404, `no API route for ${c.req.method} ${c.req.path}`)
  })

  api.onError((error, c) => {
    const refusal = asApiError(error)
    if (refusal) {
      c.set('problem', refusal.message)
      return errorResponse(c, refusal)
    }
    log.error({ err: error, path: c.req.path }, 'api request failed unexpectedly')
    return errorResponse(c, new ApiError(500, 'internal error'))
  })

  return api
}

function pageSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE
  const size = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(size >= 1 && size <= MAX_PAGE_SIZE)) throw new ApiError(400, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got "${raw}"`)
  return size
}

function writeMode(raw: string | undefined): WriteMode {
  if (raw === undefined || raw === 'seed') return 'seed'
  if (raw === 'replace') return 'replace'
  throw new ApiError(400, `unknown mode "${raw}": leave it out to seed an empty document, or use mode=replace`)
}

/** The answer for an error that names a problem of the request or a passing state of the server; null for a bug. */
function asApiError(error: Error): ApiError | null {
  if (error instanceof ApiError) return error
  if (error instanceof DocumentInputError) return new ApiError(400, error.message)
  if (error instanceof DocumentConflictError) return new ApiError(409, error.message)
  if (error instanceof VersionNotFoundError) return new ApiError(404, error.message)
  if (error instanceof UnsupportedFileError) return new ApiError(415, error.message)
  if (error instanceof RoomFilesFullError) return new ApiError(413, error.message)
  if (error instanceof UnrenderableDocumentError) return new ApiError(422, error.message)
  if (error instanceof ProtocolError) {
    const status = error.closeCode === CLOSE_DOCUMENT_TOO_LARGE ? 413 : error.closeCode === CLOSE_UNKNOWN_CONTENT ? 422 : 400
    return new ApiError(status, error.message)
  }
  if (error instanceof RoomBusyError) return new ApiError(503, error.message, { 'Retry-After': '1' })
  // Another instance deleted the room while this one held it: the write went to a document that no longer exists.
  if (error instanceof RoomDeletedError) return new ApiError(409, `${error.message}; send it again to write to the room anew`)
  // Damaged bytes stay damaged: no Retry-After, and the message names the version that cannot be opened.
  if (error instanceof CorruptVersionError) return new ApiError(500, error.message)
  if (error instanceof StorageError) return new ApiError(503, `storage failed: ${error.message}`, { 'Retry-After': '5' })
  return null
}

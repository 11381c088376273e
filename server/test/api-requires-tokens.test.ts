import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { startServer, type TestServer } from './helpers.js'
import { png } from './pictures.js'
import { SECRET, token } from './security-helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const call = (s: TestServer, method: string, path: string, auth?: string, body?: BodyInit, contentType = 'text/markdown') =>
  fetch(`${s.url}${path}`, {
    method, body,
    headers: { ...(auth !== undefined ? { Authorization: auth } : {}), ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
  })

async function expectError(response: Response, status: number, message: string | RegExp) {
  expect(response.status).toBe(status)
  const body = await response.json() as { status: number; message: string }
  expect(body.status).toBe(status)
  if (typeof message === 'string') expect(body.message).toBe(message)
  else expect(body.message).toMatch(message)
}

it('asks for a bearer token with the right permission on every API route when access control is on', async () => {
  server = await startServer({ authSecret: SECRET } as never)
  const writer = `Bearer ${await token({ room: 'doc', permission: 'write' })}`
  const reader = `Bearer ${await token({ room: 'doc', permission: 'read' })}`
  const otherRoom = `Bearer ${await token({ room: 'other', permission: 'write' })}`

  const missing = await call(server, 'GET', '/api/rooms/doc')
  expect(missing.headers.get('www-authenticate')).toBe('Bearer')
  await expectError(missing, 401, 'access token missing: send it as "Authorization: Bearer <token>"')
  await expectError(await call(server, 'GET', '/api/rooms/doc', 'Basic dXNlcjpwYXNz'), 401, 'Authorization header must be "Bearer <token>"')
  await expectError(await call(server, 'GET', '/api/rooms/doc', `Bearer ${await token({ room: 'doc' }, 600, 'another-secret-of-at-least-32-characters')}`),
    401, 'access token signature is invalid (signed with another key?)')
  await expectError(await call(server, 'GET', '/api/rooms/doc', `Bearer ${await token({ room: 'doc' }, -10)}`), 401, /^access token expired at /)
  await expectError(await call(server, 'GET', '/api/rooms/doc', 'Bearer not.a.jwt'), 401, 'access token is not a well-formed JWT')

  // Write access: seed, apply an update, read back.
  expect((await call(server, 'PUT', '/api/rooms/doc', writer, 'hello')).status).toBe(201)
  const update = new Uint8Array(Y.encodeStateAsUpdate((() => { const d = new Y.Doc(); d.getMap('m').set('k', 1); return d })()))
  expect((await call(server, 'POST', '/api/rooms/doc/updates', writer, update, 'application/octet-stream')).status).toBe(200)

  // Read access: export yes, change no.
  const exported = await call(server, 'GET', '/api/rooms/doc?format=markdown', reader)
  expect(exported.status).toBe(200)
  expect(await exported.text()).toBe('hello')
  await expectError(await call(server, 'PUT', '/api/rooms/doc?mode=replace', reader, 'changed'), 403, 'access token grants read access only; PUT needs write access')
  await expectError(await call(server, 'POST', '/api/rooms/doc/updates', reader, update, 'application/octet-stream'), 403, 'access token grants read access only; POST needs write access')
  await expectError(await call(server, 'DELETE', '/api/rooms/doc', reader), 403, 'access token grants read access only; DELETE needs write access')

  // A token for another room opens nothing here.
  await expectError(await call(server, 'GET', '/api/rooms/doc', otherRoom), 403, 'access token grants room "other", not this room')
  await expectError(await call(server, 'DELETE', '/api/rooms/doc', otherRoom), 403, 'access token grants room "other", not this room')

  // Listing needs a token for every room.
  await expectError(await call(server, 'GET', '/api/rooms', writer), 403, 'listing rooms needs a token for every room (`roomPrefix: ""`)')
  const admin = `Bearer ${await token({ roomPrefix: '', permission: 'read' })}`
  const listed = await call(server, 'GET', '/api/rooms', admin)
  expect(listed.status).toBe(200)
  expect(((await listed.json()) as { rooms: Array<{ name: string }> }).rooms.map((r) => r.name)).toEqual(['doc'])

  expect((await call(server, 'DELETE', '/api/rooms/doc', writer)).status).toBe(200)
  expect((await call(server, 'GET', '/api/rooms/doc', writer)).status).toBe(404)
})

it('asks for a write token to upload a file and a read token, as a header or ?token=, to read it', async () => {
  server = await startServer({ authSecret: SECRET } as never)
  const writer = await token({ room: 'doc', permission: 'write' })
  const reader = await token({ room: 'doc', permission: 'read' })
  const otherRoom = await token({ room: 'other', permission: 'write' })
  const upload = (auth?: string) => call(server!, 'POST', '/api/rooms/doc/files', auth, png, 'image/png')

  await expectError(await upload(), 401, 'access token missing: send it as "Authorization: Bearer <token>"')
  await expectError(await upload(`Bearer ${reader}`), 403, 'access token grants read access only; POST needs write access')
  await expectError(await upload(`Bearer ${otherRoom}`), 403, 'access token grants room "other", not this room')
  // An upload takes no token from the address: only reads do, for <img src>.
  await expectError(await call(server, 'POST', `/api/rooms/doc/files?token=${writer}`, undefined, png, 'image/png'), 401,
    'access token missing: send it as "Authorization: Bearer <token>"')
  const uploaded = await upload(`Bearer ${writer}`)
  expect(uploaded.status).toBe(201)
  const { url } = await uploaded.json() as { url: string }

  await expectError(await call(server, 'GET', url), 401, 'access token missing: send it as "Authorization: Bearer <token>" or as ?token=<token>')
  await expectError(await call(server, 'GET', `${url}?token=not.a.jwt`), 401, 'access token is not a well-formed JWT')
  await expectError(await call(server, 'GET', `${url}?token=${otherRoom}`), 403, 'access token grants room "other", not this room')
  for (const read of [await call(server, 'GET', url, `Bearer ${reader}`), await call(server, 'GET', `${url}?token=${reader}`)]) {
    expect(read.status).toBe(200)
    expect(Buffer.from(await read.arrayBuffer()).equals(Buffer.from(png))).toBe(true)
    // Behind tokens, only the reader's own cache may keep it.
    expect(read.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
  }
})

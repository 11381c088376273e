/**
 * The history panel's client against a real server with access control:
 * the API's address comes from the socket's, the token goes as a bearer
 * token (renewed once after a 401), and a refusal carries the server's reason.
 */
import { describe, expect, it } from 'vitest'
import { synced, testWithServer } from '../../../server/test/helpers.js'
import { typeParagraph } from '../../../server/test/history-helpers.js'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { VersionsClient, VersionsRequestError, versionsUrl } from '../src/versions-client.js'

const test = testWithServer({ authSecret: SECRET, versionIdleMs: 60_000 })

describe('versionsUrl', () => {
  it('is the API beside the rooms\' socket, on the same server and mount path', () => {
    expect(versionsUrl('ws://127.0.0.1:1234/ws', 'notes')).toBe('http://127.0.0.1:1234/api/rooms/notes/versions')
    expect(versionsUrl('wss://example.com/ortak/ws', 'a b/c')).toBe('https://example.com/ortak/api/rooms/a%20b%2Fc/versions')
    expect(versionsUrl('wss://example.com', 'x')).toBe('https://example.com/api/rooms/x/versions')
  })
})

test('saves and lists with the token as a bearer token, renews it after a 401, and names a refusal', async ({ server, connect }) => {
  const writer = connect('plans', { params: { token: await token({ room: 'plans', sub: 'u-ada', name: 'Ada' }) } })
  await synced(writer)
  typeParagraph(writer, 'the plan')

  // The token the editor holds has expired; the client asks for a fresh one once and goes on.
  let current = await token({ room: 'plans', sub: 'u-ada', name: 'Ada' }, -60)
  let renewals = 0
  const client = new VersionsClient(versionsUrl(server.wsUrl, 'plans'), {
    token: () => current,
    renewToken: async () => {
      renewals++
      current = await token({ room: 'plans', sub: 'u-ada', name: 'Ada' })
    },
  })
  const saved = await client.save('First plan')
  expect(renewals).toBe(1)
  expect(saved).toMatchObject({ kind: 'named', name: 'First plan' })
  const page = await client.list(10)
  expect(page.versions.map((version) => version.id)).toEqual([saved.id])
  expect(page.next).toBeNull()
  expect(await client.previous(saved.id)).toBeNull()
  expect(await client.content(saved.id)).toEqual({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'the plan' }] }] })
  expect((await client.update(saved.id)).byteLength).toBeGreaterThan(0)

  // Without a token, or with a read token, saving is refused: the status and the server's reason come through.
  const anonymous = new VersionsClient(versionsUrl(server.wsUrl, 'plans'), { token: () => undefined })
  const refusal = await anonymous.save('mine').catch((error: unknown) => error)
  expect(refusal).toBeInstanceOf(VersionsRequestError)
  expect((refusal as VersionsRequestError).status).toBe(401)
  const readOnly = await token({ room: 'plans', permission: 'read', sub: 'u-r', name: 'R' })
  const forbidden = await new VersionsClient(versionsUrl(server.wsUrl, 'plans'), { token: () => readOnly }).save('mine').catch((error: unknown) => error)
  expect((forbidden as VersionsRequestError).status).toBe(403)
  expect((forbidden as Error).message).toMatch(/read access only/)
  const missing = await client.update(saved.id + 100).catch((error: unknown) => error)
  expect((missing as VersionsRequestError).status).toBe(404)
  expect((missing as Error).message).toBe(`room "plans" has no version ${saved.id + 100}`)
})

it('says when the server cannot be reached', async () => {
  // A port nothing listens on: 127.0.0.1 refuses at once.
  const client = new VersionsClient('http://127.0.0.1:9/api/rooms/x/versions', { token: () => undefined })
  const failure = await client.list(1).catch((error: unknown) => error)
  expect((failure as VersionsRequestError).status).toBe(0)
  expect((failure as Error).message).toMatch(/^the server could not be reached/)
})

import { expect } from 'vitest'
import { synced, testWithServer, waitFor } from './helpers.js'
import { listVersions, paragraphsOf, typeParagraph } from './history-helpers.js'
import { SECRET, token } from './security-helpers.js'

const test = testWithServer({ authSecret: SECRET, versionIdleMs: 150 })

test('names the token\'s users as a version\'s authors, whatever the clients claim', async ({ server, connect }) => {
  const ada = connect('memo', { params: { token: await token({ room: 'memo', sub: 'u-ada', name: 'Ada' }) } })
  const grace = connect('memo', { params: { token: await token({ room: 'memo', sub: 'u-grace', name: 'Grace' }) } })
  await Promise.all([synced(ada), synced(grace)])
  // Both claim to be someone else in their awareness; only the tokens count.
  ada.provider.awareness.setLocalStateField('user', { name: 'The Boss', id: 'u-boss' })
  grace.provider.awareness.setLocalStateField('user', { name: 'Ada', id: 'u-ada' })
  typeParagraph(ada, 'from Ada')
  await waitFor('Grace to see it', () => paragraphsOf(grace.doc).length === 1)
  typeParagraph(grace, 'from Grace')

  const reader = { Authorization: `Bearer ${await token({ room: 'memo', permission: 'read', sub: 'u-reader', name: 'Reader' })}` }
  await waitFor('a version', async () => (await listVersions(server.url, 'memo', reader)).length === 1)
  const [version] = await listVersions(server.url, 'memo', reader)
  expect(version!.authors).toEqual([{ id: 'u-ada', name: 'Ada', verified: true }, { id: 'u-grace', name: 'Grace', verified: true }])
  expect(version!.authors[version!.clients[String(grace.doc.clientID)]!]!.id).toBe('u-grace')

  // Saving and restoring need write access, and who saved a version is the token's user.
  const named = (body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/api/rooms/memo/versions`, { method: 'POST', body, headers })
  const refused = await named('{"name":"mine","savedBy":{"name":"The Boss"}}', reader)
  expect(refused.status).toBe(403)
  expect((await refused.json() as { message: string }).message).toMatch(/read access only/)
  expect((await fetch(`${server.url}/api/rooms/memo/versions/${version!.id}/restore`, { method: 'POST', headers: reader })).status).toBe(403)
  expect((await fetch(`${server.url}/api/rooms/memo/versions`)).status).toBe(401)
  const writer = { Authorization: `Bearer ${await token({ room: 'memo', sub: 'u-grace', name: 'Grace' })}` }
  const saved = await named('{"name":"mine","savedBy":{"name":"The Boss"}}', writer)
  expect(saved.status).toBe(201)
  expect((await saved.json() as { version: { savedBy: unknown } }).version.savedBy).toEqual({ id: 'u-grace', name: 'Grace', verified: true })
})

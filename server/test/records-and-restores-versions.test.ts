import { expect } from 'vitest'
import * as Y from 'yjs'
import { synced, waitFor, testWithServer } from './helpers.js'
import { contentOf, listVersions, paragraphsOf, typeParagraph } from './history-helpers.js'

// A pause long enough that Grace's edit, made once she sees Ada's, falls in the same version on a busy machine too.
const test = testWithServer({ versionIdleMs: 600, versionMaxIntervalMs: 60_000 })

test('records a version once editing pauses, with each editor as an author, and opens it in every format', async ({ server, connect }) => {
  const ada = connect('minutes')
  const grace = connect('minutes')
  await Promise.all([synced(ada), synced(grace)])
  ada.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#c2255c' })
  grace.provider.awareness.setLocalStateField('user', { name: 'Grace', color: '#1971c2' })
  typeParagraph(ada, 'first line by Ada')
  await waitFor('Grace to see the first line', () => paragraphsOf(grace.doc).length === 1)
  typeParagraph(grace, 'second line by Grace')
  await waitFor('a version', async () => (await listVersions(server.url, 'minutes')).length === 1)
  const [first] = await listVersions(server.url, 'minutes')
  expect(first!.kind).toBe('auto')
  expect(first!.authors.map((a) => a.name).sort()).toEqual(['Ada', 'Grace'])
  expect(first!.authors.every((a) => !a.verified && a.id === null)).toBe(true)
  // Each Yjs client id is attributed to its editor, for the diff's colours.
  const nameOf = (client: number) => first!.authors[first!.clients[String(client)]!]!.name
  expect(nameOf(ada.doc.clientID)).toBe('Ada')
  expect(nameOf(grace.doc.clientID)).toBe('Grace')
  expect(first!.documentBytes).toBeGreaterThan(0)

  const markdown = await (await fetch(`${server.url}/api/rooms/minutes/versions/${first!.id}?format=markdown`)).text()
  expect(markdown).toBe('first line by Ada\n\nsecond line by Grace')

  // A pause with no change makes no version; the next burst makes exactly one.
  await new Promise((r) => setTimeout(r, 900))
  expect(await listVersions(server.url, 'minutes')).toHaveLength(1)
  const firstParagraph = ada.doc.getXmlFragment('prosemirror').get(0) as Y.XmlElement
  ;(firstParagraph.get(0) as Y.XmlText).delete(0, 6)
  typeParagraph(ada, 'third line')
  await waitFor('a second version', async () => (await listVersions(server.url, 'minutes')).length === 2)
  const [second, older] = await listVersions(server.url, 'minutes')
  expect(second!.id).toBeGreaterThan(older!.id)
  expect(second!.authors.map((a) => a.name)).toEqual(['Ada'])
  // Ada deleted before she inserted: her client id comes from the insertion (a deletion carries none).
  expect(second!.clients).toEqual({ [String(ada.doc.clientID)]: 0 })
  // The first version still opens as it was, though the live room has collected what was deleted since.
  expect(await (await fetch(`${server.url}/api/rooms/minutes/versions/${first!.id}?format=text`)).text()).toBe('first line by Ada\nsecond line by Grace')
  expect(await (await fetch(`${server.url}/api/rooms/minutes/versions/${second!.id}?format=text`)).text()).toBe('line by Ada\nsecond line by Grace\nthird line')
  const json = await (await fetch(`${server.url}/api/rooms/minutes/versions/${second!.id}`)).json()
  expect(json).toEqual(contentOf(ada.doc))
  // What the diff view does (y-prosemirror's renderSnapshot with two updates): both versions' yjs applied in turn to one
  // document keeping deleted content, a snapshot after each. The earlier snapshot still shows the text deleted since.
  const yjsOf = async (id: number, since?: number) => {
    const response = await fetch(`${server.url}/api/rooms/minutes/versions/${id}?format=yjs${since === undefined ? '' : `&since=${since}`}`)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    return new Uint8Array(await response.arrayBuffer())
  }
  const history = new Y.Doc({ gc: false })
  Y.applyUpdate(history, await yjsOf(first!.id))
  const before = Y.snapshot(history)
  Y.applyUpdate(history, await yjsOf(second!.id))
  const after = Y.snapshot(history)
  const firstJson = await (await fetch(`${server.url}/api/rooms/minutes/versions/${first!.id}`)).json()
  expect(contentOf(Y.createDocFromSnapshot(history, before))).toEqual(firstJson)
  expect(contentOf(Y.createDocFromSnapshot(history, after))).toEqual(json)
  // What the editor's diff view fetches: the first version whole, then only what the second changed on top of it.
  const changes = await yjsOf(second!.id, first!.id)
  expect(changes.byteLength).toBeLessThan((await yjsOf(second!.id)).byteLength)
  const fromChanges = new Y.Doc({ gc: false })
  Y.applyUpdate(fromChanges, await yjsOf(first!.id))
  Y.applyUpdate(fromChanges, changes)
  expect(Y.equalSnapshots(Y.snapshot(fromChanges), after)).toBe(true)
  expect(contentOf(fromChanges)).toEqual(json)
})

test('restores a version as one change every editor sees, recorded as a version, keeping edits made offline meanwhile', async ({ server, connect }) => {
  const editor = connect('plan')
  const offline = connect('plan')
  await Promise.all([synced(editor), synced(offline)])
  typeParagraph(editor, 'the plan')
  await waitFor('a version', async () => (await listVersions(server.url, 'plan')).length === 1)
  const [planned] = await listVersions(server.url, 'plan')
  const saved = await fetch(`${server.url}/api/rooms/plan/versions`, { method: 'POST', body: JSON.stringify({ name: 'agreed plan' }) })
  expect(saved.status).toBe(201)
  const named = (await saved.json() as { version: { id: number; kind: string; name: string; savedBy: { name: string } } }).version
  expect(named).toMatchObject({ kind: 'named', name: 'agreed plan', savedBy: { name: 'HTTP API', verified: false } })

  typeParagraph(editor, 'a detour')
  typeParagraph(editor, 'another detour')
  await waitFor('both editors to hold the detours', () => paragraphsOf(offline.doc).length === 3)
  offline.provider.disconnect()
  typeParagraph(offline, 'written offline')

  const updatesSeen: Uint8Array[] = []
  editor.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === editor.provider) updatesSeen.push(update)
  })
  const restored = await fetch(`${server.url}/api/rooms/plan/versions/${planned!.id}/restore`, { method: 'POST' })
  expect(restored.status).toBe(200)
  const result = await restored.json() as { changed: boolean; version: { id: number; kind: string; restoredFrom: number; name: string } }
  expect(result.changed).toBe(true)
  expect(result.version).toMatchObject({ kind: 'restore', restoredFrom: planned!.id })
  expect(result.version.name).toMatch(new RegExp(`^restored from version ${planned!.id} `))
  // Stored before it was broadcast: the editor may still be receiving it, never before the answer.
  await waitFor('the editor to see the restore', () => paragraphsOf(editor.doc).join('|') === 'the plan')
  expect(updatesSeen).toHaveLength(1)
  const version = await (await fetch(`${server.url}/api/rooms/plan/versions/${planned!.id}`)).json()
  expect(contentOf(editor.doc)).toEqual(version)
  expect(await (await fetch(`${server.url}/api/rooms/plan`)).json()).toEqual(version)

  offline.provider.connect()
  await waitFor('the offline edit to merge on top of the restore', () =>
    paragraphsOf(editor.doc).join('|') === 'the plan|written offline' && paragraphsOf(offline.doc).join('|') === 'the plan|written offline')

  const kinds = (await listVersions(server.url, 'plan')).map((v) => v.kind)
  expect(kinds.slice(0, 2)).toEqual(['restore', 'named'])
})

test('pages through versions newest first', async ({ server, connect }) => {
  const editor = connect('pages')
  await synced(editor)
  typeParagraph(editor, 'text')
  await waitFor('a version', async () => (await listVersions(server.url, 'pages')).length === 1)
  for (const name of ['one', 'two', 'three']) {
    expect((await fetch(`${server.url}/api/rooms/pages/versions`, { method: 'POST', body: JSON.stringify({ name }) })).status).toBe(201)
  }
  const first = await (await fetch(`${server.url}/api/rooms/pages/versions?limit=2`)).json() as { versions: Array<{ id: number; name: string }>; next: number }
  expect(first.versions.map((v) => v.name)).toEqual(['three', 'two'])
  const second = await (await fetch(`${server.url}/api/rooms/pages/versions?limit=2&cursor=${first.next}`)).json() as { versions: Array<{ name: string | null }>; next: number | null }
  expect(second.versions.map((v) => v.name)).toEqual(['one', null])
  expect(second.next).toBeNull()
})

test('answers bad requests with a JSON error naming the problem', async ({ server, connect }) => {
  const editor = connect('errors')
  await synced(editor)
  typeParagraph(editor, 'text')
  await waitFor('a version', async () => (await listVersions(server.url, 'errors')).length === 1)
  const [version] = await listVersions(server.url, 'errors')
  const cases: Array<[string, RequestInit | undefined, number, RegExp]> = [
    ['/api/rooms/nobody/versions', undefined, 404, /no document is stored for room "nobody"/],
    ['/api/rooms/nobody/versions/1', undefined, 404, /no document is stored for room "nobody"/],
    ['/api/rooms/errors/versions/999999', undefined, 404, /room "errors" has no version 999999/],
    ['/api/rooms/errors/versions/999999/restore', { method: 'POST' }, 404, /has no version 999999/],
    ['/api/rooms/errors/versions/abc', undefined, 400, /version id must be a version number/],
    ['/api/rooms/errors/versions?cursor=-1', undefined, 400, /cursor must be a version number/],
    ['/api/rooms/errors/versions?limit=0', undefined, 400, /limit must be a whole number/],
    [`/api/rooms/errors/versions/${version!.id}?format=pdf`, undefined, 400, /unknown format "pdf"/],
    [`/api/rooms/errors/versions/${version!.id}?format=yjs&since=${version!.id}`, undefined, 400, /since must be a version before/],
    [`/api/rooms/errors/versions/${version!.id}?format=text&since=1`, undefined, 400, /since is for format=yjs only/],
    [`/api/rooms/errors/versions/${version!.id + 1}?format=yjs&since=${version!.id}`, undefined, 404, /has no version/],
    [`/api/rooms/errors/versions/${version!.id}?format=yjs&since=abc`, undefined, 400, /since must be a version number/],
    ['/api/rooms/errors/versions', { method: 'POST', body: '{"name":' }, 400, /body is not valid JSON/],
    ['/api/rooms/errors/versions', { method: 'POST', body: '{"title":"x"}' }, 400, /non-empty name/],
    ['/api/rooms/errors/versions', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(201) }) }, 400, /longer than 200/],
    ['/api/rooms/nobody/versions', { method: 'POST', body: '{"name":"x"}' }, 404, /no document is stored/],
    ['/api/rooms/errors/versions', { method: 'DELETE' }, 405, /use GET, POST/],
    [`/api/rooms/errors/versions/${version!.id}/restore`, undefined, 405, /use POST/],
  ]
  for (const [path, init, status, message] of cases) {
    const response = await fetch(`${server.url}${path}`, init)
    const body = await response.json() as { status: number; message: string }
    expect({ path, status: response.status }).toEqual({ path, status })
    expect(body.status).toBe(status)
    expect(body.message).toMatch(message)
  }
  // Nothing refused was recorded.
  expect(await listVersions(server.url, 'errors')).toHaveLength(1)
})

test('deletes a room\'s versions with the room; the room made anew starts a history of its own', async ({ server, connect }) => {
  const editor = connect('doomed')
  await synced(editor)
  typeParagraph(editor, 'secret')
  await waitFor('a version', async () => (await listVersions(server.url, 'doomed')).length === 1)
  const [old] = await listVersions(server.url, 'doomed')
  expect((await fetch(`${server.url}/api/rooms/doomed`, { method: 'DELETE' })).status).toBe(200)
  expect((await fetch(`${server.url}/api/rooms/doomed/versions`)).status).toBe(404)

  const anew = connect('doomed')
  await synced(anew)
  typeParagraph(anew, 'fresh start')
  await waitFor('a version of the new room', async () => (await listVersions(server.url, 'doomed')).length === 1)
  const [fresh] = await listVersions(server.url, 'doomed')
  expect(fresh!.id).not.toBe(old!.id)
  expect(await (await fetch(`${server.url}/api/rooms/doomed/versions/${fresh!.id}?format=text`)).text()).toBe('fresh start')
  expect((await fetch(`${server.url}/api/rooms/doomed/versions/${old!.id}`)).status).toBe(404)
})

import { afterEach, expect, it } from 'vitest'
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { schema } from '@ortak/schema'
import { documentToMarkdown } from '../src/documents/markdown.js'
import { connectClient, startServer, synced, waitFor, type TestServer, type TestClient } from './helpers.js'

let server: TestServer | undefined
const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await server?.close()
  server = undefined
})

const markdownOf = (client: TestClient) =>
  documentToMarkdown(yXmlFragmentToProseMirrorRootNode(client.doc.getXmlFragment('prosemirror'), schema))

it('sends a ?mode=replace import to connected editors live, as one change that keeps unchanged paragraphs', async () => {
  server = await startServer()
  const put = (body: string, query = '') => fetch(`${server!.url}/api/rooms/live${query}`, {
    method: 'PUT', body, headers: { 'Content-Type': 'text/markdown' },
  })
  expect((await put('# Agenda\n\nunchanged paragraph\n\nold ending')).status).toBe(201)

  const editor = connectClient(server.wsUrl, 'live')
  const other = connectClient(server.wsUrl, 'live')
  clients.push(editor, other)
  await Promise.all([synced(editor), synced(other)])
  expect(await markdownOf(editor)).toBe('# Agenda\n\nunchanged paragraph\n\nold ending')
  const unchanged = editor.doc.getXmlFragment('prosemirror').get(1)

  const remoteUpdates: Uint8Array[] = []
  editor.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === editor.provider) remoteUpdates.push(update)
  })
  const response = await put('# Agenda\n\nunchanged paragraph\n\nnew ending, *replaced*\n\n* and a list', '?mode=replace')
  expect(response.status).toBe(200)

  const expected = '# Agenda\n\nunchanged paragraph\n\nnew ending, *replaced*\n\n* and a list'
  await waitFor('both editors to show the replaced document', async () => await markdownOf(editor) === expected && await markdownOf(other) === expected)
  expect(remoteUpdates).toHaveLength(1)
  // The paragraph both versions share is the same Yjs element: an editor's cursor in it stays put.
  expect(editor.doc.getXmlFragment('prosemirror').get(1)).toBe(unchanged)
  // Stored before it was broadcast: the export already has it.
  expect(await (await fetch(`${server.url}/api/rooms/live?format=markdown`)).text()).toBe(expected)
})

it('merges an offline editor\'s edit with a replacement made meanwhile instead of losing either', async () => {
  server = await startServer()
  await fetch(`${server.url}/api/rooms/merge`, { method: 'PUT', body: 'first\n\nsecond', headers: { 'Content-Type': 'text/markdown' } })
  const editor = connectClient(server.wsUrl, 'merge')
  clients.push(editor)
  await synced(editor)
  editor.provider.disconnect()
  // Typed while offline, so truly concurrent with the replacement below.
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText('typed offline')])
  editor.doc.getXmlFragment('prosemirror').push([paragraph])
  const replaced = await fetch(`${server.url}/api/rooms/merge?mode=replace`, { method: 'PUT', body: 'first\n\nsecond, edited', headers: { 'Content-Type': 'text/markdown' } })
  expect(replaced.status).toBe(200)
  editor.provider.connect()
  const expected = 'first\n\nsecond, edited\n\ntyped offline'
  await waitFor('the editor to show both changes', async () => await markdownOf(editor) === expected)
  await waitFor('the stored document to hold both changes', async () =>
    (await (await fetch(`${server!.url}/api/rooms/merge?format=markdown`)).text()) === expected)
})

import { expect } from 'vitest'
import * as Y from 'yjs'
import type { SqliteStorage } from '../src/storage/sqlite.js'
import { testWithServer } from './helpers.js'

const test = testWithServer()

test('refuses to restore or export as text a version holding content the schema does not know, and exports it as yjs', async ({ server }) => {
  // A version written before the server refused such content (another editor's list type).
  const doc = new Y.Doc()
  const list = new Y.XmlElement('bulletList')
  list.insert(0, [new Y.XmlText('from another editor')])
  doc.getXmlFragment('prosemirror').push([list])
  const storage = server.server.storage as SqliteStorage
  const state = Y.encodeStateAsUpdate(doc)
  await storage.append([{ room: 'foreign', update: state, generation: 0 }])
  const version = await storage.versions.record('foreign', 0, () => ({
    kind: 'auto', createdAt: Date.now(), name: null, savedBy: null, authors: [], clients: {}, restoredFrom: null,
    documentBytes: state.byteLength, increment: state, snapshot: Y.encodeSnapshot(Y.snapshot(doc)),
  }))

  const restore = await fetch(`${server.url}/api/rooms/foreign/versions/${version!.id}/restore`, { method: 'POST' })
  expect(restore.status).toBe(422)
  expect((await restore.json() as { message: string }).message).toBe(
    `cannot restore version ${version!.id}: the document holds content its schema does not know: node "bulletList"`)
  const markdown = await fetch(`${server.url}/api/rooms/foreign/versions/${version!.id}?format=markdown`)
  expect(markdown.status).toBe(422)
  const yjs = await fetch(`${server.url}/api/rooms/foreign/versions/${version!.id}?format=yjs`)
  expect(yjs.status).toBe(200)
  const copy = new Y.Doc()
  Y.applyUpdate(copy, new Uint8Array(await yjs.arrayBuffer()))
  expect(copy.getXmlFragment('prosemirror').toString()).toBe(doc.getXmlFragment('prosemirror').toString())
  // Nothing was changed or recorded by the refused restore.
  expect((await storage.versions.list('foreign', 10)).versions).toHaveLength(1)
  expect((await storage.load('foreign')).updates).toHaveLength(1)
})

/**
 * Text in Yjs is UTF-16: an emoji is two code units, a surrogate pair. An
 * item placed between the two halves (by its origin or right origin), or a
 * delete range starting or ending there, makes Yjs split the pair and turn
 * each half into U+FFFD, in the documents that integrate it; a client that
 * later receives the same item as garbage collected keeps the emoji. The
 * server refuses such updates, which no editor sends (carets and
 * deletions sit between characters).
 */
import { expect } from 'vitest'
import * as Y from 'yjs'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

const EMOJI_TEXT = 'a\u{1F600}b'

/** An update made by a writer holding the room's document that edits it at UTF-16 index 2, inside the emoji. */
function splittingUpdate(room: Y.Doc, edit: (text: Y.Text) => void): Uint8Array {
  const hostile = new Y.Doc()
  Y.applyUpdate(hostile, Y.encodeStateAsUpdate(room))
  const before = Y.encodeStateVector(hostile)
  edit(hostile.getText('t'))
  return Y.encodeStateAsUpdate(hostile, before)
}

test.for([
  ['an insert between the halves of an emoji', (text: Y.Text) => text.insert(2, 'x')],
  ['a deletion starting between the halves of an emoji', (text: Y.Text) => text.delete(2, 2)],
  ['a deletion ending between the halves of an emoji', (text: Y.Text) => text.delete(0, 2)],
] as const)('refuses %s with 1007, and the room keeps the emoji whole', async ([, edit], { server, connect }) => {
  const writer = connect('emoji')
  await synced(writer)
  writer.doc.getText('t').insert(0, EMOJI_TEXT)
  await waitFor('the text to be stored', async () => (await server.server.storage.load('emoji')).updates.length > 0)

  const raw = await rawSocket(server.wsUrl, 'emoji')
  raw.ws.send(encodeUpdate(splittingUpdate(writer.doc, edit)))
  const closed = await raw.closed
  expect(closed.code).toBe(1007)
  expect(closed.reason).toMatch(/splits the surrogate pair/)

  // What the room serves and what it stores both hold the emoji, unbroken.
  const reader = connect('emoji')
  await synced(reader)
  expect(reader.doc.getText('t').toString()).toBe(EMOJI_TEXT)
  const stored = new Y.Doc()
  for (const update of (await server.server.storage.load('emoji')).updates) Y.applyUpdate(stored, update)
  expect(stored.getText('t').toString()).toBe(EMOJI_TEXT)
})

test('takes edits beside the emoji, before and after it', async ({ connect }) => {
  const writer = connect('emoji')
  const other = connect('emoji')
  await Promise.all([synced(writer), synced(other)])
  writer.doc.getText('t').insert(0, EMOJI_TEXT)
  await waitFor('the other to see the emoji', () => other.doc.getText('t').toString() === EMOJI_TEXT)
  other.doc.getText('t').insert(1, '[')
  other.doc.getText('t').insert(4, ']')
  other.doc.getText('t').delete(5, 1)
  const expected = 'a[\u{1F600}]'
  await waitFor('the writer to see the edits around the emoji', () => writer.doc.getText('t').toString() === expected)
  expect(other.doc.getText('t').toString()).toBe(expected)
})

/**
 * Yjs's text counts a value in its sequence (what Y.Array writes: JSON,
 * binary, subdocuments) when it turns an index into a position, but never
 * deletes one and never shows one. A client that wrote values into another
 * app's text would shift every later index of the text's editors: their
 * deletes beside the value would land on the next character, half of an
 * emoji included, and the room refuses a deletion that splits a character,
 * which the editor sends again on every reconnect. So the room refuses the
 * value instead, and the editors never notice.
 */
import { expect } from 'vitest'
import * as Y from 'yjs'
import { encodeUpdate } from '../src/protocol/messages.js'
import { yDocFromUpdates } from '../src/documents/replica-doc.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

test('a value written into a text is refused with 1007, and an editor deleting beside it deletes what it meant to', async ({ server, connect }) => {
  const room = 'values-in-text'
  const editor = connect(room)
  await synced(editor)
  const closes: number[] = []
  editor.provider.on('connection-close', (event) => closes.push(event?.code ?? 0))
  const text = editor.doc.getText('t')
  text.insert(0, 'say \u{1F44B} ok')
  await waitFor('the text to be stored', async () => (await server.server.storage.load(room)).updates.length > 0)

  // A client that takes the root for an array puts two values after "say ": Yjs writes them with the space as origin.
  const hostile = new Y.Doc()
  Y.applyUpdate(hostile, Y.encodeStateAsUpdate(editor.doc))
  const before = Y.encodeStateVector(hostile)
  hostile.getArray('t').insert(4, ['a', 'b'])
  const raw = await rawSocket(server.wsUrl, room)
  raw.ws.send(encodeUpdate(Y.encodeStateAsUpdate(hostile, before)))
  const closed = await raw.closed
  expect(closed).toEqual({ code: 1007, reason: 'content that would break a text: a value inside the text of root "t", which Yjs would count but never delete' })

  // Had the values gone in, this delete of the space after the emoji would have taken the emoji's first half.
  text.delete(6, 1)
  const expected = 'say \u{1F44B}ok'
  const reader = connect(room)
  await synced(reader)
  await waitFor('the reader to see the delete', () => reader.doc.getText('t').toString() === expected)
  await waitFor('the delete to be stored', async () => yDocFromUpdates((await server.server.storage.load(room)).updates).getText('t').toString() === expected)
  expect(text.toString()).toBe(expected)
  expect(closes).toEqual([])
})

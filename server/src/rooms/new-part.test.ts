import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { newPartOf } from './new-part.js'

/** A writer with its own client id, and a copy of what it has written so far: the room. */
function writerAndRoom(clientId: number, text: string): { writer: Y.Doc; room: Y.Doc } {
  const writer = new Y.Doc()
  writer.clientID = clientId
  writer.getText('t').insert(0, text)
  const room = new Y.Doc()
  Y.applyUpdate(room, Y.encodeStateAsUpdate(writer))
  return { writer, room }
}

function type(doc: Y.Doc, text: string): void {
  doc.getText('t').insert(doc.getText('t').length, text)
}

describe('the new part of an update', () => {
  it('is the update itself when the document holds none of its structs', () => {
    const { writer, room } = writerAndRoom(1, 'held')
    const before = Y.encodeStateVector(writer)
    type(writer, ' new')
    const update = Y.encodeStateAsUpdate(writer, before)
    expect(newPartOf(room, update)).toBe(update)
  })

  it('holds only the structs the document lacks when the update repeats some it holds', () => {
    const { writer, room } = writerAndRoom(1, 'held')
    type(writer, ' and more')
    // Everything the writer has, the room's part included: what a hostile or crossed sync step 2 sends.
    const repeating = Y.encodeStateAsUpdate(writer)
    const cut = newPartOf(room, repeating)
    expect(Y.parseUpdateMeta(cut).from.get(1)).toBe(4)
    Y.applyUpdate(room, cut)
    expect(room.getText('t').toString()).toBe('held and more')
  })

  it('cuts every client of an update that repeats several', () => {
    const one = writerAndRoom(1, 'one')
    const two = new Y.Doc()
    two.clientID = 2
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one.writer))
    type(two, ' two')
    Y.applyUpdate(one.room, Y.encodeStateAsUpdate(two))
    type(two, '!')
    type(one.writer, ' and one')
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one.writer))
    const cut = newPartOf(one.room, Y.encodeStateAsUpdate(two))
    expect(new Map(Y.parseUpdateMeta(cut).from)).toEqual(new Map([[1, 3], [2, 4]]))
  })

  it('keeps the delete set whole', () => {
    const { writer, room } = writerAndRoom(1, 'held')
    writer.getText('t').delete(0, 2)
    const cut = newPartOf(room, Y.encodeStateAsUpdate(writer))
    expect(Y.parseUpdateMeta(cut).from.size).toBe(0)
    expect(Y.decodeUpdate(cut).ds.clients.get(1)).toEqual([expect.objectContaining({ clock: 0, len: 2 })])
  })
})

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addsNothingNew } from './adds-nothing-new.js'

/** A room's document and a reader's copy of it, synced. */
function roomAndReader() {
  const room = new Y.Doc()
  room.getText('t').insert(0, 'hello world')
  room.getText('t').delete(0, 6)
  const reader = new Y.Doc()
  Y.applyUpdate(reader, Y.encodeStateAsUpdate(room))
  return { room, reader }
}

describe('addsNothingNew', () => {
  it('accepts a reader’s sync step 2: no structs, but the delete set of everything it was sent', () => {
    const { room, reader } = roomAndReader()
    const syncStep2 = Y.encodeStateAsUpdate(reader, Y.encodeStateVector(room))
    expect(syncStep2.length).toBeGreaterThan(2) // not the empty update: the delete set is in it
    expect(addsNothingNew(room, syncStep2)).toBe(true)
  })

  it('accepts a whole copy of the document', () => {
    const { room, reader } = roomAndReader()
    expect(addsNothingNew(room, Y.encodeStateAsUpdate(reader))).toBe(true)
  })

  it('refuses an insertion', () => {
    const { room, reader } = roomAndReader()
    const before = Y.encodeStateVector(reader)
    reader.getText('t').insert(0, '!')
    expect(addsNothingNew(room, Y.encodeStateAsUpdate(reader, before))).toBe(false)
  })

  it('refuses a deletion of text the room still has', () => {
    const { room, reader } = roomAndReader()
    const before = Y.encodeStateVector(reader)
    reader.getText('t').delete(0, 1)
    const update = Y.encodeStateAsUpdate(reader, before)
    expect(Y.parseUpdateMeta(update).to.size).toBe(0) // a pure delete set
    expect(addsNothingNew(room, update)).toBe(false)
  })

  it('refuses a deletion of content the room does not have', () => {
    const { room } = roomAndReader()
    const stranger = new Y.Doc()
    stranger.getText('t').insert(0, 'abc')
    stranger.getText('t').delete(0, 3)
    const deletesOnly = Y.encodeStateAsUpdate(stranger, Y.encodeStateVector(stranger))
    expect(addsNothingNew(room, deletesOnly)).toBe(false)
  })
})

import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CorruptVersionError, DEFLATED_INCREMENT, PLAIN_INCREMENT, packIncrement, unpackIncrement } from './stored-increment.js'

/** A document's whole state, as a room's first version stores it: prose, typed with corrections. */
function typedDocument(): Uint8Array {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  for (let i = 0; i < 200; i++) {
    text.insert(text.length, `Sentence ${i} of the minutes, as it was typed. `)
    if (i % 3 === 0) text.delete(text.length - 8, 4)
  }
  return Y.encodeStateAsUpdate(doc)
}

describe('stored increments', () => {
  it('keeps a document\'s update deflated in a fraction of its bytes, and gives back exactly the update', () => {
    const update = typedDocument()
    const stored = packIncrement(update)
    expect(stored.format).toBe(DEFLATED_INCREMENT)
    expect(stored.bytes.byteLength).toBeLessThan(update.byteLength / 2)
    expect(Buffer.from(unpackIncrement(stored, 'minutes', 3)).equals(update)).toBe(true)
  })

  it('deflates an increment of any size as well as the largest window does, and gives it back exactly', () => {
    for (const copies of [1, 4, 40]) {
      const update = Y.mergeUpdates(Array.from({ length: copies }, typedDocument))
      const stored = packIncrement(update)
      expect(stored.bytes.byteLength).toBe(zlib.deflateRawSync(update).byteLength)
      expect(Buffer.from(unpackIncrement(stored, 'minutes', 2)).equals(update)).toBe(true)
    }
  })

  it('keeps an increment too small to gain from deflating as it is', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'a')
    const update = Y.encodeStateAsUpdate(doc)
    const stored = packIncrement(update)
    expect(stored).toEqual({ format: PLAIN_INCREMENT, bytes: update })
    expect(unpackIncrement(stored, 'minutes', 1)).toBe(update)
  })

  it('reads a row written before increments were compressed as the update it holds', () => {
    const update = typedDocument()
    expect(unpackIncrement({ format: PLAIN_INCREMENT, bytes: update }, 'minutes', 1)).toBe(update)
  })

  it('names the version whose deflated bytes are damaged, or whose format it does not know', () => {
    const stored = packIncrement(typedDocument())
    const torn = { format: DEFLATED_INCREMENT, bytes: stored.bytes.subarray(0, 100) }
    expect(() => unpackIncrement(torn, 'minutes', 7)).toThrow(CorruptVersionError)
    expect(() => unpackIncrement(torn, 'minutes', 7))
      .toThrow(/^version 7 of room "minutes" cannot be read: its stored increment \(100 bytes, deflated\) does not inflate: /)
    expect(() => unpackIncrement({ format: 9, bytes: stored.bytes }, 'minutes', 7))
      .toThrow('version 7 of room "minutes" cannot be read: its increment is stored in format 9, which this Ortak does not know')
  })
})

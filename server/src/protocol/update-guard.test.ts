import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MalformedFrame } from './reader.js'
import { checkStateVector, checkUpdate } from './update-guard.js'

/** Updates of every content kind Yjs writes: strings, formats, embeds, any, binary, JSON-less types, xml, subdocs, deletes. */
function variedUpdates(): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  const text = doc.getText('text')
  text.insert(0, 'héllo wörld 👋')
  text.format(0, 5, { bold: true, link: { href: 'https://example.com' } })
  text.insertEmbed(3, { image: 'cat.png' })
  text.delete(1, 2)
  const map = doc.getMap('map')
  map.set('number', 42.5)
  map.set('big', 2n ** 60n)
  map.set('nested', { list: [1, 'two', null, true, false, { deep: [new Uint8Array([1, 2])] }] })
  map.set('bytes', new Uint8Array([0, 255, 7]))
  map.set('sub', new Y.Map())
  map.set('subdoc', new Y.Doc())
  map.delete('number')
  const array = doc.getArray('array')
  array.insert(0, [1, 2, 3, 'x', null])
  array.delete(1, 2)
  const xml = doc.getXmlFragment('prosemirror')
  const p = new Y.XmlElement('paragraph')
  p.setAttribute('align', 'left')
  p.insert(0, [new Y.XmlText('text in xml')])
  xml.insert(0, [p, new Y.XmlHook('hook') as unknown as Y.XmlElement])
  xml.delete(1, 1)
  updates.push(Y.encodeStateAsUpdate(doc))
  return updates
}

describe('checkUpdate', () => {
  const updates = variedUpdates()

  it('accepts every update Yjs itself produces', () => {
    expect(updates.length).toBeGreaterThan(15)
    for (const update of updates) expect(() => checkUpdate(update)).not.toThrow()
  })

  it('accepts the empty update', () => {
    expect(() => checkUpdate(new Uint8Array([0, 0]))).not.toThrow()
  })

  it('refuses every truncation of a real update, without hanging', () => {
    const full = updates[updates.length - 1]!
    for (let length = 0; length < full.length; length++) {
      expect(() => checkUpdate(full.subarray(0, length))).toThrow(MalformedFrame)
    }
  })

  it('refuses trailing bytes and unknown content kinds', () => {
    expect(() => checkUpdate(new Uint8Array([0, 0, 0]))).toThrow(/unexpected bytes after the update/)
    // one client, one struct, item with content kind 11 (none such)
    expect(() => checkUpdate(new Uint8Array([1, 1, 1, 0, 11 | 0b1000_0000, 1, 0]))).toThrow(/unknown content kind 11/)
  })
})

describe('checkUpdate on strings', () => {
  /** An update inserting `text` into root Y.Text "t", with the string's bytes replaced by `bytes`. */
  function withStringBytes(text: string, bytes: number[]): Uint8Array {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, text)
    const update = Y.encodeStateAsUpdate(doc)
    const encoded = Buffer.from(text)
    const at = Buffer.from(update).indexOf(encoded)
    expect(at).toBeGreaterThan(0)
    return Uint8Array.from([...update.subarray(0, at), ...bytes, ...update.subarray(at + encoded.length)])
  }

  it('accepts ASCII and multi-byte text, and refuses bytes that are not UTF-8, wherever they start', () => {
    expect(() => checkUpdate(withStringBytes('abcd', [0x61, 0x62, 0x63, 0x64]))).not.toThrow()
    expect(() => checkUpdate(withStringBytes('aé', [0x61, 0xc3, 0xa9]))).not.toThrow()
    expect(() => checkUpdate(withStringBytes('ab', [0xc3, 0x28]))).toThrow(/not valid UTF-8/)
    expect(() => checkUpdate(withStringBytes('abcd', [0x61, 0x62, 0xff, 0x64]))).toThrow(/not valid UTF-8/)
    // A multi-byte character cut short at the end of the string.
    expect(() => checkUpdate(withStringBytes('abc', [0x61, 0x62, 0xe2]))).toThrow(/not valid UTF-8/)
  })
})

describe('checkStateVector', () => {
  it('accepts real state vectors and refuses truncated ones', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'abc')
    const sv = Y.encodeStateVector(doc)
    expect(() => checkStateVector(sv)).not.toThrow()
    expect(() => checkStateVector(sv.subarray(0, sv.length - 1))).toThrow(MalformedFrame)
  })
})

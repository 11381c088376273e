import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { buildUpdate, type Struct, type UpdateSpec } from '../../test/hostile-updates.js'
import { MalformedFrame } from './reader.js'
import { MAX_CLOCK, MAX_STATE_VECTOR_ENTRIES, checkStateVector, checkUpdate } from './update-guard.js'

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
    // one client, one struct, item with origin 2:0 and content kind 11 (none such)
    expect(() => checkUpdate(new Uint8Array([1, 1, 1, 0, 11 | 0b1000_0000, 2, 0]))).toThrow(/unknown content kind 11/)
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

describe('checkUpdate on clocks', () => {
  const gc = (length: number): Struct => ({ kind: 'gc', length })
  const text = (text: string): Struct => ({ kind: 'item', parent: 't', content: { kind: 'string', text } })
  const update = (clients: UpdateSpec['clients'], deletes: UpdateSpec['deletes'] = []) => buildUpdate({ clients, deletes })

  it('refuses structs whose lengths, each in range, sum past MAX_CLOCK, and accepts them up to it', () => {
    expect(() => checkUpdate(update([{ client: 7, clock: 0, structs: [gc(2 ** 53 - 1), gc(1)] }]))).toThrow(/client 7's clock would pass 4294967295/)
    expect(() => checkUpdate(update([{ client: 7, clock: 0, structs: [gc(MAX_CLOCK - 1), gc(1)] }]))).not.toThrow()
    expect(() => checkUpdate(update([{ client: 7, clock: 0, structs: [gc(MAX_CLOCK), gc(1)] }]))).toThrow(/clock would pass/)
    expect(() => checkUpdate(update([{ client: 7, clock: MAX_CLOCK, structs: [gc(1)] }]))).toThrow(/clock would pass/)
  })

  it('counts a string item in UTF-16 code units, as Yjs does', () => {
    // '👋' is four bytes of UTF-8 and two code units; '日' three bytes and one; 'é' two and one.
    for (const string of ['a', 'é', '日本', '👋', 'a👋é日\u{feff}z', '\u{10ffff}\u{7ff}\u{800}']) {
      expect(() => checkUpdate(update([{ client: 7, clock: MAX_CLOCK - string.length, structs: [text(string)] }]))).not.toThrow()
      expect(() => checkUpdate(update([{ client: 7, clock: MAX_CLOCK - string.length + 1, structs: [text(string)] }]))).toThrow(/clock would pass/)
    }
  })

  it('refuses a delete range ending past MAX_CLOCK unless the document already holds that far', () => {
    const deletes = [{ client: 7, ranges: [[0, 2 ** 53] as const] }]
    expect(() => checkUpdate(update([], deletes))).toThrow(/delete range 7:0 of length 9007199254740992 passes clock 4294967295/)
    expect(() => checkUpdate(update([], deletes), { heldClock: () => 2 ** 52 })).toThrow(/passes clock/)
    expect(() => checkUpdate(update([], deletes), { heldClock: () => 2 ** 53 })).not.toThrow()
    expect(() => checkUpdate(update([], [{ client: 7, ranges: [[MAX_CLOCK - 1, 1]] }]))).not.toThrow()
    expect(() => checkUpdate(update([], [{ client: 7, ranges: [[MAX_CLOCK, 1]] }]))).toThrow(/passes clock/)
  })

  it('accepts the sync step 2 of a client of a room stored before clocks were bounded, given what the room holds', () => {
    // A room stored before clocks were bounded: Yjs merged the two structs into one of length 2^53.
    const legacy = new Y.Doc()
    Y.applyUpdate(legacy, update([{ client: 7, clock: 0, structs: [gc(2 ** 53 - 1), gc(1)] }]))
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(legacy))
    client.getText('t').insert(0, 'new')
    // Its clients' sync step 2 repeats the room's delete range [0, 2^53) of client 7.
    const syncStep2 = Y.encodeStateAsUpdate(client, Y.encodeStateVector(legacy))
    expect(() => checkUpdate(syncStep2, { heldClock: (c) => Y.getState(legacy.store, c) })).not.toThrow()
    expect(() => checkUpdate(syncStep2, { heldClock: (c) => Y.getState(new Y.Doc().store, c) })).toThrow(/passes clock/)
    expect(() => checkStateVector(Y.encodeStateVector(client))).not.toThrow()
  })
})

describe('checkUpdate on delete sets', () => {
  const deleting = (deletes: UpdateSpec['deletes']) => buildUpdate({ clients: [], deletes })

  it('refuses ranges out of order, overlapping, or for a client listed twice, which Yjs would keep garbled', () => {
    expect(() => checkUpdate(deleting([{ client: 7, ranges: [[0, 2], [2, 1], [5, 1]] }, { client: 8, ranges: [[0, 1]] }]))).not.toThrow()
    expect(() => checkUpdate(deleting([{ client: 7, ranges: [[5, 1], [0, 2]] }]))).toThrow(/delete ranges of client 7 overlap or are out of order/)
    expect(() => checkUpdate(deleting([{ client: 7, ranges: [[0, 3], [2, 1]] }]))).toThrow(/overlap or are out of order/)
    expect(() => checkUpdate(deleting([{ client: 7, ranges: [[5, 1]] }, { client: 8, ranges: [[0, 1]] }, { client: 7, ranges: [[0, 1]] }]))).toThrow(/delete set lists client 7 twice/)
  })

  it('shows why: Yjs keeps the ranges it cannot apply yet difference-encoded, and out of order they come back as others', () => {
    const kept = (ranges: Array<readonly [number, number]>) => {
      const doc = new Y.Doc()
      Y.applyUpdate(doc, deleting([{ client: 7, ranges }]))
      return Y.decodeUpdate(Y.encodeStateAsUpdate(doc)).ds.clients.get(7)!.map(({ clock, len }) => [clock, len])
    }
    expect(kept([[3, 1], [100, 2]])).toEqual([[3, 1], [100, 2]])
    expect(kept([[100, 2], [3, 1]])).toEqual([[100, 2], [131, 1]])
  })
})

describe('checkUpdate on references to the struct\'s own client', () => {
  const at = (struct: Extract<Struct, { kind: 'item' }>) => buildUpdate({ clients: [{ client: 5, clock: 10, structs: [struct] }], deletes: [] })
  const content = { kind: 'string', text: 'x' } as const

  it('refuses an origin, right origin or parent at its own clock or later, and accepts one before it or at another client', () => {
    for (const clock of [10, 11, 2 ** 40]) {
      expect(() => checkUpdate(at({ kind: 'item', origin: [5, clock], content }))).toThrow(`struct 5:10 has its origin at 5:${clock}, not before itself`)
      expect(() => checkUpdate(at({ kind: 'item', rightOrigin: [5, clock], content }))).toThrow(`struct 5:10 has its right origin at 5:${clock}`)
      expect(() => checkUpdate(at({ kind: 'item', parent: [5, clock], content }))).toThrow(`struct 5:10 has its parent at 5:${clock}`)
    }
    expect(() => checkUpdate(at({ kind: 'item', origin: [5, 9], rightOrigin: [5, 0], content }))).not.toThrow()
    expect(() => checkUpdate(at({ kind: 'item', parent: [5, 9], content }))).not.toThrow()
    // Another client's future clock is Yjs' to wait for: the struct goes pending.
    expect(() => checkUpdate(at({ kind: 'item', origin: [6, 99], content }))).not.toThrow()
  })

  it('knows a struct\'s clock by counting the ones before it as Yjs does, a string in UTF-16 code units', () => {
    const after = (text: string, origin: number) => buildUpdate({
      clients: [{ client: 7, clock: 0, structs: [{ kind: 'item', parent: 't', content: { kind: 'string', text } }, { kind: 'item', origin: [7, origin], content }] }],
      deletes: [],
    })
    // '👋é' is six bytes of UTF-8 and three code units: the second item is at clock 3.
    expect(() => checkUpdate(after('👋é', 2))).not.toThrow()
    expect(() => checkUpdate(after('👋é', 3))).toThrow(/struct 7:3 has its origin at 7:3, not before itself/)
  })

  it('refuses, before Yjs integrates the clients with higher ids, the reference Yjs would throw on after them', () => {
    const doc = new Y.Doc()
    const bad = buildUpdate({
      clients: [
        { client: 100, clock: 0, structs: [{ kind: 'item', parent: 't', content: { kind: 'string', text: 'applied first' } }] },
        { client: 1, clock: 0, structs: [{ kind: 'item', origin: [1, 5], content }] },
      ],
      deletes: [],
    })
    expect(() => checkUpdate(bad)).toThrow(/struct 1:0 has its origin at 1:5/)
    // What the guard spares the room: Yjs throws, with client 100's text already in the document.
    expect(() => Y.applyUpdate(doc, bad)).toThrow()
    expect(doc.getText('t').toString()).toBe('applied first')
  })
})

describe('checkUpdate on what the document lacks', () => {
  const text = (text: string, origin?: [number, number]): Struct => origin
    ? { kind: 'item', origin, content: { kind: 'string', text } }
    : { kind: 'item', parent: 't', content: { kind: 'string', text } }
  const held = (clocks: Record<number, number>) => ({ heldClock: (client: number) => clocks[client] ?? 0 })

  it('refuses an update listing one client\'s structs twice, of which Yjs would apply only the second', () => {
    const twice = buildUpdate({ clients: [{ client: 7, clock: 0, structs: [text('ab')] }, { client: 7, clock: 0, structs: [text('xy')] }], deletes: [] })
    expect(() => checkUpdate(twice)).toThrow('update lists structs of client 7 twice')
  })

  it('names the first clock it waits for: a gap before its structs, after a skip, or a reference past what is held', () => {
    expect(checkUpdate(buildUpdate({ clients: [{ client: 7, clock: 3, structs: [text('a')] }], deletes: [] }), held({ 7: 3 }))).toBeNull()
    expect(checkUpdate(buildUpdate({ clients: [{ client: 7, clock: 5, structs: [text('a')] }], deletes: [] }), held({ 7: 3 }))).toEqual({ client: 7, clock: 4 })
    // A skip leaves clocks out: what follows it waits for them, and a reference into them is not resolved by the update.
    const afterSkip = buildUpdate({ clients: [{ client: 7, clock: 3, structs: [text('a'), { kind: 'skip', length: 2 }, text('b')] }], deletes: [] })
    expect(checkUpdate(afterSkip, held({ 7: 3 }))).toEqual({ client: 7, clock: 5 })
    const intoSkip = buildUpdate({ clients: [{ client: 7, clock: 3, structs: [text('a'), { kind: 'skip', length: 2 }] }, { client: 8, clock: 0, structs: [text('c', [7, 4])] }], deletes: [] })
    expect(checkUpdate(intoSkip, held({ 7: 3 }))).toEqual({ client: 7, clock: 4 })
    const intoUpdate = buildUpdate({ clients: [{ client: 7, clock: 3, structs: [text('ab')] }, { client: 8, clock: 0, structs: [text('c', [7, 4])] }], deletes: [] })
    expect(checkUpdate(intoUpdate, held({ 7: 3 }))).toBeNull()
    expect(checkUpdate(buildUpdate({ clients: [], deletes: [{ client: 9, ranges: [[0, 4]] }] }), held({ 9: 2 }))).toEqual({ client: 9, clock: 3 })
  })
})

describe('checkStateVector bounds', () => {
  const stateVector = (entries: Array<[number, number]>) => {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, entries.length)
    for (const [client, clock] of entries) {
      encoding.writeVarUint(e, client)
      encoding.writeVarUint(e, clock)
    }
    return encoding.toUint8Array(e)
  }

  it('accepts a clock past 2^53, which a client of a room stored before clocks were bounded holds', () => {
    expect(() => checkStateVector(stateVector([[7, 2 ** 53], [8, 2 ** 55 + 16]]))).not.toThrow()
    // Past what lib0 itself reads (a continuation byte after the value passed 2^53), it is refused.
    expect(() => checkStateVector(Uint8Array.from([1, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/integer out of range/)
  })

  it('refuses more entries than the bound, by default MAX_STATE_VECTOR_ENTRIES, before reading any', () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i): [number, number] => [i + 1, 1])
    expect(() => checkStateVector(stateVector(entries(MAX_STATE_VECTOR_ENTRIES)))).not.toThrow()
    // Entries that would not even read: the count alone refuses them.
    const unreadable = (n: number) => {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, n)
      encoding.writeUint8Array(e, new Uint8Array(2 * n).fill(0xff))
      return encoding.toUint8Array(e)
    }
    expect(() => checkStateVector(unreadable(MAX_STATE_VECTOR_ENTRIES + 1))).toThrow(`state vector lists ${MAX_STATE_VECTOR_ENTRIES + 1} clients, more than the ${MAX_STATE_VECTOR_ENTRIES} accepted`)
    expect(() => checkStateVector(stateVector(entries(3)), 3)).not.toThrow()
    expect(() => checkStateVector(stateVector(entries(4)), 3)).toThrow(/lists 4 clients, more than the 3 accepted/)
  })
})

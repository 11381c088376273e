import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { buildUpdate } from '../../test/hostile-updates.js'
import { clocksBefore, impossiblePlacement, unintegratedPart } from './integration-check.js'
import { firstClocks } from './new-part.js'

/** Applies `update` to `doc` as the room does, and answers what the check finds. */
function applyChecked(doc: Y.Doc, update: Uint8Array): string | null {
  let problem: string | null = null
  Y.transact(doc, () => {
    const before = clocksBefore(doc, firstClocks(update))
    Y.applyUpdate(doc, update)
    problem = unintegratedPart(doc) ?? impossiblePlacement(doc, before)
  })
  return problem
}

function client(id: number, from?: Y.Doc): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = id
  if (from) Y.applyUpdate(doc, Y.encodeStateAsUpdate(from))
  return doc
}

/** What `doc` wrote since `before`, as its provider sends it. */
function since(doc: Y.Doc, before: Uint8Array): Uint8Array {
  return Y.encodeStateAsUpdate(doc, before)
}

describe('the placement check', () => {
  it('passes concurrent typing at one spot, in either order of arrival', () => {
    const base = client(1)
    base.getText('t').insert(0, 'hello')
    for (const order of [[2, 3], [3, 2]]) {
      const room = client(9, base)
      const writers = new Map([2, 3].map((id) => [id, client(id, base)]))
      const updates = new Map<number, Uint8Array>()
      for (const [id, writer] of writers) {
        const before = Y.encodeStateVector(writer)
        writer.getText('t').insert(2, `<${id}>`)
        writer.getText('t').insert(0, `[${id}]`)
        updates.set(id, since(writer, before))
      }
      for (const id of order) expect(applyChecked(room, updates.get(id)!)).toBeNull()
    }
  })

  it('passes concurrent values of one map key, and nested elements with their text', () => {
    const room = client(9)
    const [a, b] = [client(2), client(3)]
    a.getMap('m').set('k', 'from a')
    b.getMap('m').set('k', 'from b')
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('typed')])
    a.getXmlFragment('x').insert(0, [paragraph])
    expect(applyChecked(room, Y.encodeStateAsUpdate(b))).toBeNull()
    expect(applyChecked(room, Y.encodeStateAsUpdate(a))).toBeNull()
    expect(room.getXmlFragment('x').toString()).toBe('<paragraph>typed</paragraph>')
  })

  it('passes the edits of several offline sessions sent together', () => {
    const room = client(9)
    room.getText('t').insert(0, 'shared')
    const first = client(2, room)
    first.getText('t').insert(6, ' one')
    const second = client(3, first)
    second.getText('t').insert(0, 'two ')
    second.getText('t').insert(second.getText('t').length, ' end')
    expect(applyChecked(room, since(second, Y.encodeStateVector(room)))).toBeNull()
    expect(room.getText('t').toString()).toBe('two shared one end')
  })

  it('finds an item whose origin lies right of its right origin', () => {
    const room = client(1)
    room.getText('t').insert(0, 'abc')
    const update = buildUpdate({ clients: [{ client: 5, clock: 0, structs: [{ kind: 'item', origin: [1, 2], rightOrigin: [1, 0], content: { kind: 'string', text: 'x' } }] }], deletes: [] })
    expect(applyChecked(room, update)).toMatch(/^item 5:0 is not (right of its origin 1:2|left of its right origin 1:0)/)
  })

  it('finds an item that claims not to have seen its own writer’s earlier item', () => {
    const room = client(1)
    room.getText('t').insert(0, 'abc')
    // Client 1 again, as if it had never written "abc": an item at the start of `t` with no neighbours.
    const update = buildUpdate({ clients: [{ client: 1, clock: 3, structs: [{ kind: 'item', parent: 't', content: { kind: 'string', text: 'x' } }] }], deletes: [] })
    expect(applyChecked(room, update)).toBe('item 1:3 claims not to have seen 1:0, an earlier item of its own writer')
  })

  it('finds structs that wait on one another in a cycle, which Yjs leaves pending', () => {
    const room = client(1)
    room.getText('t').insert(0, 'abc')
    // 100:0 comes after 101:1, and 101:0 after 100:0: each reference is in the update, none can be placed first.
    const update = buildUpdate({
      clients: [
        { client: 101, clock: 0, structs: [{ kind: 'item', origin: [100, 0], content: { kind: 'string', text: 'xy' } }] },
        { client: 100, clock: 0, structs: [{ kind: 'item', origin: [101, 1], content: { kind: 'string', text: 'z' } }] },
      ],
      deletes: [],
    })
    expect(applyChecked(room, update)).toMatch(/^has structs that wait on one another in a cycle/)
  })

  it('finds an item whose right origin’s origin lies between it and its claimed origin', () => {
    const room = client(1)
    room.getText('t').insert(0, 'ab')
    room.getText('t').insert(1, 'X')
    // "X" (1:2) has origin "a" (1:0): a writer who saw "X" saw "a" left of it, so cannot claim the list's start as its left.
    const update = buildUpdate({ clients: [{ client: 5, clock: 0, structs: [{ kind: 'item', rightOrigin: [1, 2], content: { kind: 'string', text: 'y' } }] }], deletes: [] })
    expect(applyChecked(room, update)).toBe('item 5:0 claims not to have seen 1:0, a neighbour of its own neighbours')
  })

  it('passes an insert right of a right origin’s origin, as a writer who saw both makes it', () => {
    const room = client(1)
    room.getText('t').insert(0, 'ab')
    room.getText('t').insert(1, 'X')
    const writer = client(5, room)
    const before = Y.encodeStateVector(writer)
    writer.getText('t').insert(1, 'y')
    expect(applyChecked(room, since(writer, before))).toBeNull()
    expect(room.getText('t').toString()).toBe('ayXb')
  })

  it('finds a map value of several units, which a delete could split, and a live value that is not the key’s current one', () => {
    const room = client(1)
    room.getMap('m').set('k', 'first')
    const several = buildUpdate({ clients: [{ client: 5, clock: 0, structs: [{ kind: 'item', parent: 'm', parentSub: 'bold', content: { kind: 'any', values: [1, 2, 3] } }] }], deletes: [] })
    expect(applyChecked(client(1, room), several)).toBe('item 5:0 is a value of 3 units for key "bold"')
    // The same value, cut in the same update to one live unit that a deleted one follows.
    const split = buildUpdate({ clients: [{ client: 5, clock: 0, structs: [{ kind: 'item', parent: 'm', parentSub: 'bold', content: { kind: 'any', values: [1, 2, 3] } }] }], deletes: [{ client: 5, ranges: [[1, 2]] }] })
    expect(applyChecked(client(1, room), split)).toBe('item 5:0 is a live value for key "bold" that is not its current one')
  })

  it('passes values written, replaced and removed by map writers', () => {
    const room = client(9)
    const writer = client(2)
    const map = writer.getMap('m')
    map.set('k', 1)
    map.set('k', { nested: true })
    map.set('j', new Y.Map())
    map.delete('k')
    expect(applyChecked(room, Y.encodeStateAsUpdate(writer))).toBeNull()
    expect(room.getMap('m').toJSON()).toEqual({ j: {} })
  })
})

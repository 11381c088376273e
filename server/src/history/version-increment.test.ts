import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { deletionsSince, versionIncrement } from './version-increment.js'

/** Two people typing and deleting in one text, synced; a version (increment and head) after every round. */
function editWithVersions(rounds: number) {
  const ada = new Y.Doc({ gc: true })
  const ben = new Y.Doc({ gc: true })
  ada.on('update', (update: Uint8Array) => Y.applyUpdate(ben, update))
  ben.on('update', (update: Uint8Array) => Y.applyUpdate(ada, update))
  const increments: Uint8Array[] = []
  const wholeDeleteSets: Uint8Array[] = []
  const texts: string[] = []
  const heads: Y.Snapshot[] = []
  let head: Y.Snapshot | null = null
  for (let round = 0; round < rounds; round++) {
    const text = (round % 2 === 0 ? ada : ben).getText('t')
    text.insert(Math.floor(text.length / 2), `round ${round} words `)
    // Deletes across what earlier rounds wrote, and across what earlier rounds deleted next to.
    if (text.length > 12) text.delete(3 + (round * 7) % (text.length - 10), 5)
    increments.push(versionIncrement(ada, head))
    wholeDeleteSets.push(head ? Y.encodeStateAsUpdate(ada, Y.encodeStateVector(head.sv)) : Y.encodeStateAsUpdate(ada))
    texts.push(ada.getText('t').toString())
    head = Y.snapshot(ada)
    heads.push(head)
  }
  return { increments, wholeDeleteSets, texts, heads }
}

const rebuilt = (increments: readonly Uint8Array[]) => {
  const doc = new Y.Doc({ gc: false })
  for (const increment of increments) Y.applyUpdate(doc, increment)
  return doc
}

describe('version increments', () => {
  it('rebuild every version exactly when applied in order', () => {
    const { increments, texts, heads } = editWithVersions(12)
    for (let n = 0; n < increments.length; n++) {
      const doc = rebuilt(increments.slice(0, n + 1))
      expect(doc.getText('t').toString()).toBe(texts[n])
      expect(Y.equalSnapshots(Y.snapshot(doc), heads[n]!)).toBe(true)
    }
  })

  it('merge into the same update as increments that repeat the whole delete set', () => {
    const { increments, wholeDeleteSets } = editWithVersions(12)
    for (let n = 1; n <= increments.length; n++) {
      expect(Y.mergeUpdates(increments.slice(0, n))).toEqual(Y.mergeUpdates(wholeDeleteSets.slice(0, n)))
    }
  })

  it('carry only the deletions made since the version before', () => {
    const { increments, heads } = editWithVersions(12)
    for (let n = 1; n < increments.length; n++) {
      const { ds } = Y.decodeUpdate(increments[n]!)
      for (const [client, ranges] of ds.clients) {
        for (const { clock, len } of ranges) {
          for (let c = clock; c < clock + len; c++) expect(Y.isDeleted(heads[n - 1]!.ds, { client, clock: c } as Y.ID)).toBe(false)
        }
      }
    }
    expect(increments.slice(1).some((increment) => Y.decodeUpdate(increment).ds.clients.size > 0)).toBe(true)
  })
})

describe('deletionsSince', () => {
  const deleteSet = (ranges: Record<number, Array<[number, number]>>) => {
    const ds = Y.createDeleteSet()
    for (const [client, list] of Object.entries(ranges)) ds.clients.set(Number(client), list.map(([clock, len]) => ({ clock, len })))
    return ds
  }
  const ranges = (ds: Y.Snapshot['ds']) => Object.fromEntries([...ds.clients].map(([client, list]) => [client, list.map(({ clock, len }) => [clock, len])]))

  it('keeps what is new around, between and after the ranges known before, and drops clients with nothing new', () => {
    const now = deleteSet({ 1: [[0, 10], [20, 5], [30, 2]], 2: [[4, 4]], 3: [[7, 1]] })
    const before = deleteSet({ 1: [[2, 3], [6, 1], [20, 5], [31, 10]], 2: [[0, 100]] })
    expect(ranges(deletionsSince(now, before))).toEqual({ 1: [[0, 2], [5, 1], [7, 3], [30, 1]], 3: [[7, 1]] })
  })
})

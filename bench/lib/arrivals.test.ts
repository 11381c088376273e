import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { idKey, noteArrivals } from './arrivals.js'

/** The edits `arrivals` notes, as their keys. */
const keysOf = (arrivals: number[]) => arrivals.filter((_, i) => i % 3 === 0)

/** One writer's `count` one-character edits, each its own update, and the update a server's transaction of all of them makes. */
function typed(count: number): { writer: Y.Doc; updates: Uint8Array[]; merged: Uint8Array } {
  const writer = new Y.Doc()
  const updates: Uint8Array[] = []
  writer.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) writer.getText('t').insert(i, 'x')
  const server = new Y.Doc()
  let merged: Uint8Array | null = null
  server.on('update', (update: Uint8Array) => (merged = update))
  Y.transact(server, () => updates.forEach((update) => Y.applyUpdate(server, update)))
  return { writer, updates, merged: merged! }
}

test('notes one arrival for an update of one edit', () => {
  const { writer, updates } = typed(1)
  const arrivals: number[] = []
  noteArrivals(arrivals, updates[0]!, -1, 7, 12.5)
  expect(arrivals).toEqual([idKey(writer.clientID, 0), 7, 12.5])
})

test("notes every edit of one writer's consecutive edits sent as one struct, as a crowded room's turn sends them", () => {
  const { writer, merged } = typed(3)
  expect(Y.decodeUpdate(merged).structs).toHaveLength(1)
  const arrivals: number[] = []
  noteArrivals(arrivals, merged, -1, 0, 1)
  expect(keysOf(arrivals)).toEqual([0, 1, 2].map((clock) => idKey(writer.clientID, clock)))
})

test("notes every writer's edits of a merged update, and none of the receiver's own", () => {
  const a = typed(2)
  const b = typed(2)
  const merged = Y.mergeUpdates([a.merged, b.merged])
  const arrivals: number[] = []
  noteArrivals(arrivals, merged, b.writer.clientID, 0, 1)
  expect(keysOf(arrivals)).toEqual([idKey(a.writer.clientID, 0), idKey(a.writer.clientID, 1)])
})

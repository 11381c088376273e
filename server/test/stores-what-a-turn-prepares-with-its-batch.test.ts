import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { WriteBatcher, type PendingAppend } from '../src/storage/write-batcher.js'
import { CountingStorage, keystrokes } from './counting-storage.js'
import { tempDir } from './helpers.js'

// A room applies the updates of a turn when the turn's write batch is taken (WriteBatcher.beforeNextBatch,
// Room.applyReceived): what it appends then must be stored in that batch, and nothing may count as idle before.

let storage: CountingStorage
afterEach(async () => {
  storage.commitGate = null
  await storage.close()
})

const open = () => {
  storage = new CountingStorage({ file: path.join(tempDir(), 'ortak.db') })
  return new WriteBatcher(storage)
}

/** An append of `update` that notes its name in `events` once stored. */
const noting = (events: string[], name: string, update: Uint8Array): PendingAppend => ({
  room: 'r', update, generation: 0, onStored: () => events.push(`${name} stored`), onFailed: (error) => { throw error },
})

it('stores what the turn\'s preparers append in the batch of the turn, after what was appended directly', async () => {
  const batcher = open()
  const [first, second, third] = keystrokes(3)
  const events: string[] = []
  batcher.beforeNextBatch(() => {
    events.push('prepared')
    batcher.append(noting(events, 'second', second!))
    batcher.append(noting(events, 'third', third!))
  })
  batcher.append(noting(events, 'first', first!))
  await Promise.resolve()
  // Not yet: the preparer runs where the turn ends.
  expect(events).toEqual([])
  await batcher.drain()
  expect(events).toEqual(['prepared', 'first stored', 'second stored', 'third stored'])
  expect(storage.batches).toEqual([3])
  expect((await storage.load('r')).logCount).toBe(3)
})

it('is not idle while a preparer waits: what it will append is stored before an idle callback runs', async () => {
  const batcher = open()
  const [update] = keystrokes(1)
  const events: string[] = []
  batcher.beforeNextBatch(() => batcher.append(noting(events, 'update', update!)))
  batcher.whenIdle(() => events.push('idle'))
  await batcher.drain()
  expect(events).toEqual(['update stored', 'idle'])
})

it('runs a preparer that comes while a batch commits before the next batch, which it joins', async () => {
  const batcher = open()
  const [first, second] = keystrokes(2)
  const events: string[] = []
  let openGate = () => {}
  storage.commitGate = new Promise<void>((resolve) => (openGate = resolve))
  batcher.append(noting(events, 'first', first!))
  await new Promise<void>((resolve) => setImmediate(resolve))
  // The first batch is committing now.
  expect(storage.batches).toEqual([1])
  batcher.beforeNextBatch(() => {
    events.push('prepared')
    batcher.append(noting(events, 'second', second!))
  })
  await new Promise<void>((resolve) => setImmediate(resolve))
  expect(events).toEqual([])
  storage.commitGate = null
  openGate()
  await batcher.drain()
  expect(events).toEqual(['first stored', 'prepared', 'second stored'])
  expect(storage.batches).toEqual([1, 1])
})

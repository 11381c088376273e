import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { WriteBatcher } from '../src/storage/write-batcher.js'
import { CountingStorage, keystrokes } from './counting-storage.js'
import { tempDir } from './helpers.js'

let storage: CountingStorage
afterEach(async () => {
  await storage.close()
})

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

it('commits the appends of one turn together, at the end of the turn', async () => {
  storage = new CountingStorage({ file: path.join(tempDir(), 'ortak.db') })
  const batcher = new WriteBatcher(storage)
  const turnEnded = endOfTurn()
  let stored = 0
  for (const update of keystrokes(10)) batcher.append({ room: 'r', update, generation: 0, onStored: () => stored++, onFailed: (e) => { throw e } })
  await Promise.resolve()
  expect(stored).toBe(0)
  await turnEnded
  await batcher.drain()
  expect(stored).toBe(10)
  expect(storage.batches).toEqual([10])
})

it('commits and acknowledges a burst of 1,000 or more before the turn ends, so a fast writer cannot hold every broadcast back', async () => {
  storage = new CountingStorage({ file: path.join(tempDir(), 'ortak.db') })
  const batcher = new WriteBatcher(storage)
  // Scheduled before the appends: it runs where the turn ends, before any check-phase flush they would schedule.
  const turnEnded = endOfTurn().then(() => stored)
  let stored = 0
  for (const update of keystrokes(2_500)) batcher.append({ room: 'r', update, generation: 0, onStored: () => stored++, onFailed: (e) => { throw e } })
  expect(await turnEnded).toBe(2_500)
  expect(storage.batches).toEqual([2_500])
  const loaded = await storage.load('r')
  expect(loaded.logCount).toBe(2_500)
})

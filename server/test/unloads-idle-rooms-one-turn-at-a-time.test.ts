/**
 * Unloading a room records its last version and compacts its log, work
 * the thread does in one go. Rooms whose clients all leave at once fall
 * idle together; unloaded in the same turn, they would hold up every other
 * room's clients for all of it. So idle rooms go one per turn, and within
 * a room the version and the compaction take a turn each.
 */
import { expect } from 'vitest'
import { synced, testWithServer, waitFor } from './helpers.js'
import { listVersions } from './history-helpers.js'

const ROOMS = 8
const test = testWithServer({ unloadGraceMs: 50, versionIdleMs: 60_000 })

test(`${ROOMS} rooms left at the same moment unload one step per turn of the event loop, each with its version and snapshot`, async ({ server, connect }) => {
  const writers = Array.from({ length: ROOMS }, (_, i) => connect(`idle-${i}`))
  await Promise.all(writers.map(synced))
  for (const [i, writer] of writers.entries()) writer.doc.getText('t').insert(0, `room ${i}`)
  await waitFor('every edit stored', () => writers.every((_, i) => !server.server.registry.get(`idle-${i}`)?.hasUnstoredWrites))

  // Counts the steps of unloading done in each turn, from the log lines of a room's version and of its end
  // (which comes right after its compaction).
  const stepsPerTurn: number[] = []
  let seen = 0
  let isWatching = true
  const watch = () => {
    const steps = server.logs.filter((l) => l.msg === 'room unloaded' || l.msg === 'version recorded').length
    if (steps > seen) stepsPerTurn.push(steps - seen)
    seen = steps
    if (isWatching) setImmediate(watch)
  }
  watch()
  for (const writer of writers) writer.provider.destroy()
  await waitFor('every room unloaded', () => server.server.registry.stats.rooms === 0)
  isWatching = false
  // The last room may have gone after the watcher's last look in that turn: counted here, before it looks again.
  watch()

  expect(stepsPerTurn.reduce((a, b) => a + b, 0)).toBe(2 * ROOMS)
  expect(Math.max(...stepsPerTurn)).toBe(1)
  for (let i = 0; i < ROOMS; i++) {
    expect((await server.server.storage.load(`idle-${i}`)).logCount).toBe(0)
    expect(await listVersions(server.url, `idle-${i}`)).toHaveLength(1)
  }
})

/**
 * Scenario 4, connections: idle connections opened in steps (1,000 then
 * 3,000), first all in one room, then as many again with a room each (and
 * a small document in it). The figures: connect time; server memory per
 * idle connection and per small loaded room (heap + external after a full
 * GC, and RSS); and what is still held once everyone has left, over
 * several open/close cycles: a leak grows cycle after cycle, an allocator
 * keeping pages shows in RSS but not in the heap.
 */
import { type BenchContext, freshDir, orderFor, sleep } from '../lib/context.js'
import { type DriverHandle, spawnDriver } from '../lib/driver.js'
import { ScenarioResult } from '../lib/results.js'
import { type MemorySample, type ServerHandle, heldBytes, startServer } from '../lib/servers.js'

const LAYOUTS = [
  { name: 'one room', isOneRoomEach: false, target: '< 10' },
  { name: 'room each', isOneRoomEach: true, target: '< 20 (room + its connection)' },
] as const

export async function runConnections(context: BenchContext): Promise<ScenarioResult> {
  const steps = context.isQuick ? [200, 400] : [1_000, 3_000]
  const cycles = context.repetitions ?? (context.isQuick ? 1 : 3)
  const result = new ScenarioResult('connections', { steps, cycles, layouts: LAYOUTS.map((l) => l.name) })
  for (const kind of orderFor(context, 0)) {
    const server = await startServer(kind, { dataDir: freshDir(context, `connections-${kind}`), nodeFlags: context.nodeFlags(kind) })
    const clients = spawnDriver('connections-clients', { wire: server.wire, urlPrefix: server.roomUrl('') })
    try {
      await sleep(500)
      // A first small round compiles the code paths and fills the pools and caches a server keeps for
      // good; measured from before it, that one-time cost would look like memory not given back.
      await openAndCloseAll(context, server, clients, 'warmup', Math.min(100, steps[0]!))
      const baseline = await server.memory()
      for (let cycle = 1; cycle <= cycles; cycle++) {
        let before = baseline
        for (const layout of LAYOUTS) {
          let open = 0
          for (const target of steps) {
            clients.command('connect', { count: target - open, roomPrefix: `c${cycle}-${layout.isOneRoomEach ? 'each' : 'one'}`, isOneRoomEach: layout.isOneRoomEach })
            const connected = await clients.next<{ type: 'connected'; totalMs: number; medianMs: number; closedByServer: number }>('connected', 180_000)
            if (connected.closedByServer > 0) result.note(`${kind}: ${connected.closedByServer} of the ${target} idle clients of "${layout.name}" were closed by the server before they were measured; its per-connection figures count connections it no longer holds`)
            open = target
            // Let the small documents' writes land before measuring.
            await sleep(300)
            const loaded = await server.memory()
            const label = `${layout.name}, ${target}`
            const perConnection = (heldBytes(loaded) - heldBytes(before)) / target / 1024
            const isLastStep = target === steps[steps.length - 1]
            result.add(kind, `${label}: memory per connection (heap+external)`, 'KB', perConnection, isLastStep ? layout.target : undefined)
            result.add(kind, `${label}: memory per connection (RSS)`, 'KB', (loaded.rss - before.rss) / target / 1024)
            result.add(kind, `${label}: connect time, median`, 'ms', connected.medianMs)
            result.add(kind, `${label}: time to open all`, 's', connected.totalMs / 1000)
            context.log(`connections ${kind} ${label} (cycle ${cycle}): ${perConnection.toFixed(1)} KB each (heap+external), ${((loaded.rss - before.rss) / target / 1024).toFixed(1)} KB RSS, opened in ${(connected.totalMs / 1000).toFixed(1)} s`)
            if (isLastStep) before = loaded
          }
        }
        clients.command('close-all')
        const closed = await clients.next<{ type: 'closed'; closedByServer: number }>('closed', 60_000)
        if (closed.closedByServer > 0) result.note(`${kind}: cycle ${cycle}: ${closed.closedByServer} idle clients had been closed by the server before the clients left`)
        await waitUntilUnloaded(server)
        const after: MemorySample = await server.memory()
        const heldKB = (heldBytes(after) - heldBytes(baseline)) / 1024
        result.add(kind, `after all left, cycle ${cycle}: held above the warmed-up baseline (heap+external)`, 'KB', heldKB, '~0, not growing')
        result.add(kind, `after all left, cycle ${cycle}: RSS above baseline`, 'MiB', (after.rss - baseline.rss) / 2 ** 20)
        context.log(`connections ${kind}: after all left, cycle ${cycle}: ${heldKB.toFixed(0)} KB held, RSS +${((after.rss - baseline.rss) / 2 ** 20).toFixed(1)} MiB`)
      }
    } finally {
      await clients.stop()
      await server.stop()
    }
  }
  return result
}

/** Opens `count` connections in one room and `count` with a room each, then closes them all and waits until the server has let go. */
async function openAndCloseAll(context: BenchContext, server: ServerHandle, clients: DriverHandle, prefix: string, count: number): Promise<void> {
  for (const isOneRoomEach of [false, true]) {
    clients.command('connect', { count, roomPrefix: `${prefix}-${isOneRoomEach ? 'each' : 'one'}`, isOneRoomEach })
    await clients.next('connected', 60_000)
  }
  clients.command('close-all')
  await clients.next('closed', 60_000)
  await waitUntilUnloaded(server)
  context.log(`connections ${server.kind}: warm-up round of ${count} + ${count} connections done`)
}

/** Ortak unloads a room a grace period after its last client; the reference and Hocuspocus free it at once. */
async function waitUntilUnloaded(server: ServerHandle): Promise<void> {
  const deadline = performance.now() + 60_000
  for (;;) {
    const stats = await server.stats()
    if (!stats || (stats.rooms === 0 && stats.connections === 0)) break
    if (performance.now() > deadline) throw new Error(`${server.kind} still holds ${stats.rooms} rooms a minute after every client left`)
    await sleep(200)
  }
  await sleep(500)
}

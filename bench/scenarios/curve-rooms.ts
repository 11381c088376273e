/**
 * Curve: rooms loaded (100, 1,000, 10,000), each with a small document and
 * its one idle client. At each step: the server's memory per room (heap +
 * external after a full GC, and RSS, above the warmed-up baseline, divided
 * by the rooms loaded) and the time to load one more room, a stored one
 * not in memory: a new client connects to it and the clock runs until it
 * holds the room's text (the median of a few such rooms, one at a time).
 */
import { type BenchContext, freshDir, orderFor, sleep } from '../lib/context.js'
import { type DriverHandle, spawnDriver } from '../lib/driver.js'
import { type Curve, ScenarioResult } from '../lib/results.js'
import { type ServerHandle, heldBytes, startServer, waitForIdle } from '../lib/servers.js'
import { SMALL_DOCUMENT_ROOT, SMALL_DOCUMENT_TEXT } from '../lib/small-document.js'
import { median } from '../lib/stats.js'
import { timeLoad } from '../lib/time-load.js'

const ROOMS: Curve = { axis: 'rooms loaded', unit: 'rooms', scale: 'log' }
/** Stored rooms loaded one at a time at each step, for the time to load one more. */
const PROBES_PER_STEP = 5

export async function runCurveRooms(context: BenchContext): Promise<ScenarioResult> {
  const steps = context.isQuick ? [10, 100, 1_000] : [100, 1_000, 10_000]
  const warmupRooms = context.isQuick ? 20 : 100
  const repetitions = context.repetitions ?? 1
  const result = new ScenarioResult('curve-rooms', { steps, probesPerStep: PROBES_PER_STEP, warmupRooms, repetitions })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const server = await startServer(kind, { dataDir: freshDir(context, `curve-rooms-${kind}`), nodeFlags: context.nodeFlags(kind) })
      const clients = spawnDriver('connections-clients', { wire: server.wire, urlPrefix: server.roomUrl('') })
      try {
        await storeProbeRooms(context, server, clients, steps.length * PROBES_PER_STEP, warmupRooms)
        const baseline = await server.memory()
        let open = 0
        for (const [stepIndex, rooms] of steps.entries()) {
          clients.command('connect', { count: rooms - open, roomPrefix: 'loaded', isOneRoomEach: true })
          const connected = await clients.next<{ type: 'connected'; closedByServer: number }>('connected', 300_000)
          if (connected.closedByServer > 0) result.note(`${kind}: ${connected.closedByServer} of the ${rooms} rooms' clients were closed by the server before they were measured`)
          open = rooms
          // Let the small documents' writes land before measuring.
          await sleep(300)
          const loaded = await server.memory()
          const perRoomKB = (heldBytes(loaded) - heldBytes(baseline)) / rooms / 1024
          result.addPoint(kind, ROOMS, rooms, 'memory per room with its client (heap+external)', 'KB', perRoomKB)
          result.addPoint(kind, ROOMS, rooms, 'memory per room with its client (RSS)', 'KB', (loaded.rss - baseline.rss) / rooms / 1024)
          const loadMs: number[] = []
          for (let probe = 0; probe < PROBES_PER_STEP; probe++) {
            const load = await timeLoad(server.roomUrl(`probe-${stepIndex * PROBES_PER_STEP + probe}`), server.wire, SMALL_DOCUMENT_ROOT, SMALL_DOCUMENT_TEXT, 30_000)
            load.client.close()
            if (!load.isComplete) throw new Error(`curve-rooms: ${kind} did not serve a stored room's document within 30 s at ${rooms} rooms loaded (got "${load.text}")`)
            loadMs.push(load.totalMs - load.clientApplyMs)
          }
          result.addPoint(kind, ROOMS, rooms, 'time to load one more room', 'ms', median(loadMs))
          context.log(`curve-rooms ${kind} ${rooms}: ${perRoomKB.toFixed(1)} KB per room (heap+external), one more loads in ${median(loadMs).toFixed(2)} ms`)
        }
      } finally {
        await clients.stop()
        await server.stop()
      }
    }
  }
  return result
}

/**
 * Writes the small document into `probes` rooms (named probe-0, probe-1...),
 * and `warmupRooms` more that warm the server's code paths, then closes
 * them all and waits until the server has let go of them: each probe room
 * is then stored and not loaded.
 */
async function storeProbeRooms(context: BenchContext, server: ServerHandle, clients: DriverHandle, probes: number, warmupRooms: number): Promise<void> {
  clients.command('connect', { count: probes, roomPrefix: 'probe', isOneRoomEach: true })
  await clients.next('connected', 60_000)
  clients.command('connect', { count: warmupRooms, roomPrefix: 'warmup', isOneRoomEach: true })
  await clients.next('connected', 60_000)
  await sleep(300)
  clients.command('close-all')
  await clients.next('closed', 60_000)
  // Ortak unloads a room a grace period after its last client; Hocuspocus writes 2 s after the last change.
  const deadline = performance.now() + 60_000
  for (let stats = await server.stats(); stats && stats.rooms > 0; stats = await server.stats()) {
    if (performance.now() > deadline) throw new Error(`curve-rooms: ${server.kind} still holds ${stats.rooms} rooms a minute after their clients left`)
    await sleep(200)
  }
  await sleep(server.deferredWriteMs)
  await waitForIdle(server, 10_000)
  context.log(`curve-rooms ${server.kind}: ${probes} rooms stored for loading, ${warmupRooms} warm-up rooms opened and closed`)
}

/**
 * Scenario 6, restart: how soon a server is back. Stock clients (each
 * server's own provider) (two in each of five rooms, each room holding a little text)
 * stay connected while the server is killed with SIGKILL and started again
 * on the same port and data. The clock runs from the new process's spawn
 * until it listens, and until every client has synced with it again. Also
 * a start on an empty data folder, and what a server holds once it is up
 * and idle.
 */
import { type BenchContext, freshDir, orderFor, sleep } from '../lib/context.js'
import { spawnDriver } from '../lib/driver.js'
import { ScenarioResult } from '../lib/results.js'
import { type ServerKind, startServer, waitForIdle } from '../lib/servers.js'
import { median, quantile } from '../lib/stats.js'

export async function runRestart(context: BenchContext): Promise<ScenarioResult> {
  const cycles = context.isQuick ? 3 : 10
  const repetitions = context.repetitions ?? 1
  const clients = { rooms: 5, clientsPerRoom: 2, editsPerRoom: 200, maxBackoffMs: 20 }
  const result = new ScenarioResult('restart', { cycles, repetitions, ...clients })
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      await emptyFolderStarts(context, kind, cycles, result)
      await restartsUnderClients(context, kind, cycles, clients, result)
    }
  }
  return result
}

async function emptyFolderStarts(context: BenchContext, kind: ServerKind, cycles: number, result: ScenarioResult): Promise<void> {
  const listening: number[] = []
  const cpu: number[] = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    const started = performance.now()
    const server = await startServer(kind, { dataDir: freshDir(context, `restart-empty-${kind}`), nodeFlags: context.nodeFlags(kind) })
    listening.push(performance.now() - started)
    cpu.push(server.cpuMilliseconds())
    if (cycle === cycles - 1) {
      await waitForIdle(server, 5_000)
      result.add(kind, 'resident memory, idle after a start on an empty data folder', 'MB', (await server.memory()).rss / 2 ** 20)
    }
    await server.stop()
  }
  for (const ms of listening) result.add(kind, 'empty data folder: spawn to listening', 'ms', ms, '<= 300')
  result.add(kind, 'empty data folder: spawn to listening, p95', 'ms', quantile(listening, 0.95))
  // What the start cost the machine, which the wall-clock figures show only on a quiet one.
  for (const ms of cpu) result.add(kind, 'empty data folder: server CPU, spawn to listening', 'ms', ms)
  context.log(`restart ${kind}: empty data folder, listening after ${median(listening).toFixed(0)} ms (median of ${cycles})`)
}

async function restartsUnderClients(context: BenchContext, kind: ServerKind, cycles: number,
  clients: { rooms: number; clientsPerRoom: number; editsPerRoom: number; maxBackoffMs: number }, result: ScenarioResult): Promise<void> {
  const dataDir = freshDir(context, `restart-${kind}`)
  let server = await startServer(kind, { dataDir, nodeFlags: context.nodeFlags(kind) })
  const driver = spawnDriver('restart-clients', { wire: server.wire, providerUrl: server.providerUrl, ...clients })
  const listening: number[] = []
  const synced: number[] = []
  const cpu: number[] = []
  try {
    await driver.next('ready', 60_000)
    // Let the rooms' writes land, so every restart loads the same stored rooms.
    await sleep(500)
    for (let cycle = 0; cycle < cycles; cycle++) {
      driver.command('arm')
      await driver.next('armed', 10_000)
      await server.kill()
      const started = performance.now()
      server = await startServer(kind, { dataDir, port: server.port, nodeFlags: context.nodeFlags(kind) })
      listening.push(performance.now() - started)
      const { receivedAt } = await driver.next('synced', 30_000)
      synced.push(receivedAt - started)
      cpu.push(server.cpuMilliseconds())
      // The clients' reconnect storm is over before the next kill.
      await sleep(200)
    }
    await waitForIdle(server, 5_000)
    result.add(kind, `resident memory, idle after a restart with ${clients.rooms * clients.clientsPerRoom} clients`, 'MB', (await server.memory()).rss / 2 ** 20)
  } finally {
    await driver.stop()
    await server.stop()
  }
  for (const ms of listening) result.add(kind, 'kill -9, start again: spawn to listening', 'ms', ms, '<= reference')
  for (const ms of synced) result.add(kind, 'kill -9, start again: spawn to every client synced', 'ms', ms, '<= reference')
  result.add(kind, 'kill -9, start again: spawn to listening, p95', 'ms', quantile(listening, 0.95))
  result.add(kind, 'kill -9, start again: spawn to every client synced, p95', 'ms', quantile(synced, 0.95), '<= reference')
  for (const ms of cpu) result.add(kind, 'kill -9, start again: server CPU, spawn to every client synced', 'ms', ms)
  context.log(`restart ${kind}: listening after ${median(listening).toFixed(0)} ms, every client synced after ${median(synced).toFixed(0)} ms (medians of ${cycles})`)
}

/**
 * Scenario 5, durability, on one data directory per server. "kill loop":
 * stock clients type while the server is killed with SIGKILL every two
 * seconds; at the last kill the clients close at the same moment, so
 * nothing they hold can be sent again. "burst": a writer sends trace edits
 * as fast as it can; once they have all reached the observer, the clients
 * close and the server is killed at once. After each final restart, the
 * edits an observer had received but the stored document lacks are lost.
 */
import { type BenchContext, freshDir, orderFor, sleep } from '../lib/context.js'
import { type DriverHandle, type Report, spawnDriver } from '../lib/driver.js'
import { ScenarioResult } from '../lib/results.js'
import { type ServerHandle, type ServerKind, startServer } from '../lib/servers.js'
import { loadTrace } from '../lib/trace.js'

interface Verified extends Report { received: number; lost: number; writtenNotStored?: number }

export async function runDurability(context: BenchContext): Promise<ScenarioResult> {
  const kills = context.isQuick ? 1 : 5
  const killEveryMs = context.isQuick ? 1_000 : 2_000
  const burstCount = context.isQuick ? 5_000 : 50_000
  const repetitions = context.repetitions ?? 1
  // How long a restarted server may take to send anything of a stored room (the reference loads it after answering).
  const loadWaitMs = context.isQuick ? 5_000 : 20_000
  const result = new ScenarioResult('durability', { kills, killEveryMs, burstCount, repetitions, writers: 3, observers: 2, editsPerSecond: 20 })
  loadTrace(burstCount)
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const kind of orderFor(context, repetition)) {
      const dataDir = freshDir(context, `durability-${kind}`)
      let server = await startServer(kind, { dataDir, nodeFlags: context.nodeFlags(kind) })
      const restart = async () => {
        await server.kill()
        server = await startServer(kind, { dataDir, port: server.port, nodeFlags: context.nodeFlags(kind) })
      }
      try {
        await killLoop(context, kind, server, restart, { kills, killEveryMs, loadWaitMs }, result)
        await burst(context, kind, server, restart, { burstCount, loadWaitMs }, result)
      } finally {
        await server.stop()
      }
    }
  }
  return result
}

async function killLoop(context: BenchContext, kind: ServerKind, server: ServerHandle, restart: () => Promise<void>,
  { kills, killEveryMs, loadWaitMs }: { kills: number; killEveryMs: number; loadWaitMs: number }, result: ScenarioResult): Promise<void> {
  const room = 'kill-loop'
  const clients = spawnDriver('durability-clients', {
    wire: server.wire, mode: 'typing', providerUrl: server.providerUrl, roomUrl: server.roomUrl(room), room, writers: 3, observers: 2, editsPerSecond: 20, loadWaitMs,
  })
  try {
    await clients.next('ready', 60_000)
    clients.command('go')
    for (let kill = 1; kill <= kills; kill++) {
      await sleep(killEveryMs)
      if (kill === kills) clients.command('close')
      await restart()
    }
    const closed = await clients.next<{ type: 'closed'; written: number }>('closed', 10_000)
    const verified = await verify(clients, loadWaitMs)
    result.add(kind, 'kill loop: edits received by another client', 'edits', verified.received)
    result.add(kind, 'kill loop: received edits lost', 'edits', verified.lost, '0')
    result.add(kind, 'kill loop: typed edits never stored', 'edits', verified.writtenNotStored ?? 0)
    context.log(`durability ${kind} kill loop: ${closed.written} typed, ${verified.received} received by an observer, ${verified.lost} of those lost`)
  } finally {
    await clients.stop()
  }
}

async function burst(context: BenchContext, kind: ServerKind, server: ServerHandle, restart: () => Promise<void>,
  { burstCount, loadWaitMs }: { burstCount: number; loadWaitMs: number }, result: ScenarioResult): Promise<void> {
  const room = 'burst'
  const clients = spawnDriver('durability-clients', { wire: server.wire, mode: 'burst', roomUrl: server.roomUrl(room), burstCount, loadWaitMs })
  try {
    await clients.next('ready', 60_000)
    clients.command('go')
    // Sent, and passed on to the observer (or 60 s went by): what the observer holds is now at stake.
    await clients.next('sent', 180_000)
    // At once: the clients close and the server is killed.
    clients.command('close')
    await restart()
    await clients.next('closed', 10_000)
    const verified = await verify(clients, loadWaitMs)
    result.add(kind, 'burst: edits received by the observer', 'edits', verified.received)
    result.add(kind, 'burst: received edits lost', 'edits', verified.lost, '0')
    context.log(`durability ${kind} burst: ${verified.received} of ${burstCount} received by the observer, ${verified.lost} of those lost`)
  } finally {
    await clients.stop()
  }
}

async function verify(clients: DriverHandle, loadWaitMs: number): Promise<Verified> {
  clients.command('verify')
  return await clients.next<Verified>('verified', loadWaitMs + 60_000)
}

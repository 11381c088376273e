/**
 * One room of paced clients (bench/drivers/paced-clients.ts), spread over
 * a few driver processes, for the curves that grow the clients of a room
 * or the instances serving it: a step sends a fixed rate of edits and
 * returns each delivery's latency, with whether sender and receiver were
 * on different instances.
 */
import { now } from './arrivals.js'
import { type DriverHandle, type Report, spawnDriver } from './driver.js'
import type { Wire } from './wire.js'

export interface PacedClientSpec {
  /** The room's WebSocket URL on the instance this client connects to. */
  url: string
  /** Which instance that is (0 with one server). */
  instance: number
  isWriter: boolean
}

export interface PacedStep {
  ratePerWriter: number
  durationMs: number
  /** Edits sent before this much of the step has passed are delivered but not timed. */
  warmupMs: number
}

export interface PacedStepResult {
  /** Latency of every timed delivery, ms. */
  latencies: number[]
  /** The same, for deliveries to a client on another instance than the sender's. */
  crossInstanceLatencies: number[]
  /** Deliveries seen / expected, over the whole step. */
  arrivedShare: number
  /** Edits sent per second, all writers together, as the drivers managed to pace them. */
  sentRate: number
  edits: number
  deliveries: number
  /** The busiest driver process's CPU over the sending time, as a share of one core: near 1, the drivers are what is measured. */
  busiestDriverCpuShare: number
}

interface StepReport extends Report {
  sent: number[]
  arrivals: number[]
  expected: number
  sendMs: number
  cpuShare: number
  /** [client index, Yjs client id] of each writer in the process. */
  writers: Array<[number, number]>
}

export class PacedRoom {
  private constructor(private readonly drivers: DriverHandle[], private readonly specs: readonly PacedClientSpec[]) {}

  /** Connects every client (dealt round-robin to `processes` drivers) and waits until all have synced. */
  static async open(wire: Wire, specs: readonly PacedClientSpec[], processes = 2): Promise<PacedRoom> {
    const writers = specs.filter((s) => s.isWriter).length
    const drivers = Array.from({ length: processes }, (_, p) => spawnDriver('paced-clients', {
      wire, writersInAll: writers,
      clients: specs.map((spec, index) => ({ index, url: spec.url, isWriter: spec.isWriter })).filter((_, index) => index % processes === p),
    }))
    const room = new PacedRoom(drivers, specs)
    try {
      await Promise.all(drivers.map((d) => d.next('ready', 120_000)))
    } catch (error) {
      await room.close()
      throw error
    }
    return room
  }

  async run(step: PacedStep): Promise<PacedStepResult> {
    const perWriter = Math.max(1, Math.round(step.ratePerWriter * step.durationMs / 1000))
    for (const driver of this.drivers) driver.command('prepare', { count: perWriter })
    await Promise.all(this.drivers.map((d) => d.next('prepared', 60_000)))
    const startAt = now() + 200
    for (const driver of this.drivers) driver.command('go', { startAt, ratePerWriter: step.ratePerWriter })
    const reports = await Promise.all(this.drivers.map((d) => d.next<StepReport>('result', step.durationMs + 60_000)))

    const sentAt = new Map<number, number>()
    for (const { sent } of reports) for (let i = 0; i < sent.length; i += 2) sentAt.set(sent[i]!, sent[i + 1]!)
    // An edit's key carries its writer's Yjs client id (bench/lib/arrivals.ts idKey).
    const instanceOfWriter = new Map<number, number>()
    for (const { writers } of reports) for (const [index, client] of writers) instanceOfWriter.set(client, this.specs[index]!.instance)
    const latencies: number[] = []
    const crossInstanceLatencies: number[] = []
    let arrived = 0
    const measureFrom = startAt + step.warmupMs
    for (const { arrivals } of reports) {
      for (let i = 0; i < arrivals.length; i += 3) {
        const at = sentAt.get(arrivals[i]!)
        if (at === undefined) continue
        arrived++
        if (at < measureFrom) continue
        const latency = arrivals[i + 2]! - at
        latencies.push(latency)
        if (instanceOfWriter.get(Math.floor(arrivals[i]! / 1e6)) !== this.specs[arrivals[i + 1]!]!.instance) crossInstanceLatencies.push(latency)
      }
    }
    const edits = sentAt.size
    const deliveries = edits * (this.specs.length - 1)
    const sendMs = Math.max(...reports.map((r) => r.sendMs))
    return {
      latencies, crossInstanceLatencies, arrivedShare: deliveries === 0 ? 1 : arrived / deliveries,
      sentRate: edits / (sendMs / 1000), edits, deliveries,
      busiestDriverCpuShare: Math.max(...reports.map((r) => r.cpuShare)),
    }
  }

  async close(): Promise<void> {
    for (const driver of this.drivers) driver.command('close')
    await Promise.all(this.drivers.map((d) => d.next('closed', 10_000).catch(() => {})))
    await Promise.all(this.drivers.map((d) => d.stop()))
  }
}

/**
 * What the server counts for operators, served at `/metrics` in the
 * Prometheus text format (prom-client).
 *
 * The hot path only adds to plain numbers (`traffic`): no labels, no
 * allocation per message; prom-client reads them when /metrics is scraped.
 * The counters are per process (a process runs one server); the gauges
 * read the server that serves the scrape through the function it passes.
 * This module is a leaf: the hot path imports it, so it imports nothing
 * back from rooms/.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
import { CLOSE_CODES } from '@ortak/protocol'
import { RoomDeletedError, type Storage } from './storage/storage.js'

/** Histogram buckets, in seconds, for storage and broadcast latency. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** Frames and bytes through every WebSocket of this process. */
export const traffic = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 }

const storageSeconds = new Histogram({
  name: 'ortak_storage_seconds',
  help: 'Duration of storage operations (append: one write batch committed), by operation.',
  labelNames: ['operation'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [],
})

const storageErrors = new Counter({
  name: 'ortak_storage_errors_total',
  help: 'Storage operations that failed, by operation.',
  labelNames: ['operation'] as const,
  registers: [],
})

/**
 * A histogram for the hot path: `observe` only adds to preallocated
 * numbers (prom-client's own allocates per observation). Registered in a
 * prom-client Registry as a metric that renders itself when scraped.
 */
class HotPathHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1)
  private sum = 0
  private count = 0

  constructor(readonly name: string, readonly help: string) {}

  observe(seconds: number): void {
    let bucket = 0
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++
    this.counts[bucket]!++
    this.sum += seconds
    this.count++
  }

  async get() {
    let cumulative = 0
    const buckets = [...LATENCY_BUCKETS, '+Inf' as const].map((le, i) => {
      cumulative += this.counts[i]!
      return { metricName: `${this.name}_bucket`, labels: { le }, value: cumulative }
    })
    return {
      name: this.name, help: this.help, type: this.type, aggregator: this.aggregator,
      values: [...buckets, { metricName: `${this.name}_sum`, labels: {}, value: this.sum }, { metricName: `${this.name}_count`, labels: {}, value: this.count }],
    }
  }
}

/** Time from an update being applied to the room's document to its broadcast: storing it comes in between. */
export const broadcastDelay = new HotPathHistogram(
  'ortak_update_broadcast_delay_seconds',
  'Time from a document update being applied to its broadcast to the room (storing it comes in between).',
)

const refusedConnections = new Counter({
  name: 'ortak_connections_refused_total',
  help: 'WebSocket connections refused at the upgrade, or closed by the server for what the client sent or lacked, by reason.',
  labelNames: ['reason'] as const,
  registers: [],
})

// The metric reason of each close code that means "refused because of the client".
const refusalReasons = new Map([...CLOSE_CODES].flatMap(([code, info]) => (info.refusal ? [[code, info.refusal] as const] : [])))

/** Counts a refusal at the upgrade that has no close code (an HTTP answer such as an invalid room name). */
export function countRefusal(reason: 'invalid_room_name' | 'not_a_room_path' | 'origin_not_allowed' | 'address_rate_limited'): void {
  refusedConnections.inc({ reason })
}

/** Counts a server-initiated close if its code means the client was refused; other closes are not refusals. */
export function countClose(code: number): void {
  const reason = refusalReasons.get(code)
  if (reason) refusedConnections.inc({ reason })
}

/** The storage, timing every operation and counting the ones that fail. */
export function measuredStorage(storage: Storage): Storage {
  const measure = <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    const stop = storageSeconds.startTimer({ operation })
    return run().then(
      (result) => {
        stop()
        return result
      },
      (error: unknown) => {
        // A write refused because its room was deleted is storage doing its job, not failing.
        if (!(error instanceof RoomDeletedError)) storageErrors.inc({ operation })
        throw error
      },
    )
  }
  return {
    load: (room) => measure('load', () => storage.load(room)),
    append: (entries) => measure('append', () => storage.append(entries)),
    compact: (room, snapshot, throughSeq, generation) => measure('compact', () => storage.compact(room, snapshot, throughSeq, generation)),
    list: () => measure('list', () => storage.list()),
    delete: (room) => measure('delete', () => storage.delete(room)),
    close: () => storage.close(),
  }
}

function counterOf(name: string, help: string, read: () => number, register: Registry): void {
  new Counter({
    name, help, registers: [register],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}

let nodeMetrics: Registry | undefined

// Node's process metrics (memory, CPU, event-loop delay) are collected once per process, however many servers it runs.
function processMetrics(): Registry {
  if (!nodeMetrics) {
    nodeMetrics = new Registry()
    collectDefaultMetrics({ register: nodeMetrics })
  }
  return nodeMetrics
}

/** What a server has open at this moment, read at each scrape. */
export interface ServerLoad {
  connections: number
  rooms: number
}

/** The metrics of one server: this process's counters plus gauges read from `readLoad()` at each scrape. */
export function createMetricsRegistry(readLoad: () => ServerLoad): Registry {
  const register = new Registry()
  for (const metric of processMetrics().getMetricsAsArray()) register.registerMetric(metric as unknown as Metric)
  register.registerMetric(storageSeconds)
  register.registerMetric(storageErrors)
  register.registerMetric(broadcastDelay as unknown as Metric)
  register.registerMetric(refusedConnections)
  new Gauge({
    name: 'ortak_connections', help: 'Open WebSocket connections in rooms.', registers: [register],
    collect() { this.set(readLoad().connections) },
  })
  new Gauge({
    name: 'ortak_rooms_loaded', help: 'Rooms held in memory (with connections, or waiting to be unloaded).', registers: [register],
    collect() { this.set(readLoad().rooms) },
  })
  counterOf('ortak_messages_received_total', 'WebSocket frames received from clients.', () => traffic.messagesIn, register)
  counterOf('ortak_received_bytes_total', 'Bytes of WebSocket frames received from clients.', () => traffic.bytesIn, register)
  counterOf('ortak_messages_sent_total', 'WebSocket frames sent to clients.', () => traffic.messagesOut, register)
  counterOf('ortak_sent_bytes_total', 'Bytes of WebSocket frames sent to clients.', () => traffic.bytesOut, register)
  return register
}

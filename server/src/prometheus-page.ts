/**
 * The `/metrics` page: the counters of metrics.ts and one server's load in
 * the Prometheus text format, with Node's process metrics (memory, CPU,
 * event-loop delay, GC) beside them.
 *
 * prom-client is imported on the first scrape, not at start-up: it is a
 * large module, and a server that is never scraped should not load it. Its
 * process metrics therefore start at the first scrape too (the event-loop
 * delay is measured from then on; CPU and memory are read whole each time).
 */
import type { Metric, MetricValue, Registry } from 'prom-client'
import { LATENCY_BUCKETS, broadcastDelay, refusedConnections, storageOperations, traffic, type LatencyHistogram } from './metrics.js'

/** What a server has open at this moment, read at each scrape. */
export interface ServerLoad {
  connections: number
  rooms: number
}

export interface PrometheusPage {
  contentType: string
  body: string
}

/** One line of a metric: `metricName` for the `_bucket`, `_sum` and `_count` lines of a histogram. */
type Sample = MetricValue<string> & { metricName?: string }

let processMetrics: Promise<Registry> | undefined

// Node's process metrics are collected once per process, however many servers it runs.
function loadProcessMetrics(): Promise<Registry> {
  processMetrics ??= import('prom-client').then(({ Registry, collectDefaultMetrics }) => {
    const register = new Registry()
    collectDefaultMetrics({ register })
    return register
  })
  return processMetrics
}

/** Renders the metrics of one server, which reports its load through `readLoad` at each scrape. */
export function createPrometheusPage(readLoad: () => ServerLoad): () => Promise<PrometheusPage> {
  let register: Promise<Registry> | undefined
  const build = async () => {
    const [{ Registry }, process] = await Promise.all([import('prom-client'), loadProcessMetrics()])
    const register = new Registry()
    for (const metric of process.getMetricsAsArray()) register.registerMetric(metric as unknown as Metric)
    const add = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: () => Sample[]) =>
      register.registerMetric({ name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: read() }) } as unknown as Metric)

    add('ortak_connections', 'Open WebSocket connections in rooms.', 'gauge', () => [sample(readLoad().connections)])
    add('ortak_rooms_loaded', 'Rooms held in memory (with connections, or waiting to be unloaded).', 'gauge', () => [sample(readLoad().rooms)])
    add('ortak_messages_received_total', 'WebSocket frames received from clients.', 'counter', () => [sample(traffic.messagesIn)])
    add('ortak_received_bytes_total', 'Bytes of WebSocket frames received from clients.', 'counter', () => [sample(traffic.bytesIn)])
    add('ortak_messages_sent_total', 'WebSocket frames sent to clients.', 'counter', () => [sample(traffic.messagesOut)])
    add('ortak_sent_bytes_total', 'Bytes of WebSocket frames sent to clients.', 'counter', () => [sample(traffic.bytesOut)])
    add('ortak_storage_seconds', 'Duration of storage operations (append: one write batch committed), by operation.', 'histogram',
      () => [...storageOperations.seconds].flatMap(([operation, histogram]) => histogramSamples('ortak_storage_seconds', histogram, { operation })))
    add('ortak_storage_errors_total', 'Storage operations that failed, by operation.', 'counter',
      () => [...storageOperations.errors].map(([operation, count]) => sample(count, { operation })))
    add('ortak_update_broadcast_delay_seconds', 'Time from a document update being applied to its broadcast to the room (storing it comes in between).', 'histogram',
      () => histogramSamples('ortak_update_broadcast_delay_seconds', broadcastDelay))
    add('ortak_connections_refused_total', 'WebSocket connections refused at the upgrade, or closed by the server for what the client sent or lacked, by reason.', 'counter',
      () => [...refusedConnections].map(([reason, count]) => sample(count, { reason })))
    return register
  }
  return async () => {
    register ??= build()
    const ready = await register
    return { contentType: ready.contentType, body: await ready.metrics() }
  }
}

function sample(value: number, labels: Record<string, string> = {}): Sample {
  return { value, labels }
}

function histogramSamples(name: string, histogram: LatencyHistogram, labels: Record<string, string> = {}): Sample[] {
  let cumulative = 0
  const buckets = [...LATENCY_BUCKETS, '+Inf' as const].map((le, i) => {
    cumulative += histogram.counts[i]!
    return { metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative }
  })
  return [...buckets, { metricName: `${name}_sum`, labels, value: histogram.sum }, { metricName: `${name}_count`, labels, value: histogram.count }]
}

/**
 * What the server counts for operators: plain numbers, added to on the hot
 * path with no labels objects and no allocation per message. `/metrics`
 * renders them in the Prometheus text format (prometheus-page.ts), loading
 * prom-client only when first scraped, so a server that is never scraped
 * never pays for it and none pays for it while starting.
 *
 * The counters are per process (a process runs one server). This module is
 * a leaf: the hot path imports it, so it imports nothing back from rooms/.
 */
import { CLOSE_CODES } from '@ortak/protocol'
import { RoomDeletedError, type Storage } from './storage/storage.js'

/** Histogram buckets, in seconds, for storage and broadcast latency. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const

/** Frames and bytes through every WebSocket of this process. */
export const traffic = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 }

/** Durations counted into LATENCY_BUCKETS: `observe` only adds to preallocated numbers. */
export class LatencyHistogram {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1)
  sum = 0
  count = 0

  observe(seconds: number): void {
    let bucket = 0
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++
    this.counts[bucket]!++
    this.sum += seconds
    this.count++
  }
}

/** Time from an update being applied to the room's document to its broadcast: storing it comes in between. */
export const broadcastDelay = new LatencyHistogram()

export type StorageOperation = 'load' | 'append' | 'compact' | 'list' | 'delete'

/** Duration of storage operations by operation, and the ones that failed. */
export const storageOperations = {
  seconds: new Map<StorageOperation, LatencyHistogram>(),
  errors: new Map<StorageOperation, number>(),
}

/** Connections refused at the upgrade, or closed for what the client sent or lacked, by reason. */
export const refusedConnections = new Map<string, number>()

// The metric reason of each close code that means "refused because of the client".
const refusalReasons = new Map([...CLOSE_CODES].flatMap(([code, info]) => (info.refusal ? [[code, info.refusal] as const] : [])))

const countRefused = (reason: string) => refusedConnections.set(reason, (refusedConnections.get(reason) ?? 0) + 1)

/** Counts a refusal at the upgrade that has no close code (an HTTP answer such as an invalid room name). */
export function countRefusal(reason: 'invalid_room_name' | 'not_a_room_path' | 'origin_not_allowed' | 'address_rate_limited'): void {
  countRefused(reason)
}

/** Counts a server-initiated close if its code means the client was refused; other closes are not refusals. */
export function countClose(code: number): void {
  const reason = refusalReasons.get(code)
  if (reason) countRefused(reason)
}

/** The storage, timing every operation and counting the ones that fail. */
export function measuredStorage(storage: Storage): Storage {
  const measure = <T>(operation: StorageOperation, run: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const histogram = storageOperations.seconds.get(operation) ?? new LatencyHistogram()
    storageOperations.seconds.set(operation, histogram)
    return run().then(
      (result) => {
        histogram.observe((performance.now() - started) / 1000)
        return result
      },
      (error: unknown) => {
        // A write refused because its room was deleted is storage doing its job, not failing.
        if (!(error instanceof RoomDeletedError)) storageOperations.errors.set(operation, (storageOperations.errors.get(operation) ?? 0) + 1)
        throw error
      },
    )
  }
  return {
    files: storage.files,
    load: (room) => measure('load', () => storage.load(room)),
    append: (entries) => measure('append', () => storage.append(entries)),
    compact: (room, snapshot, throughSeq, generation) => measure('compact', () => storage.compact(room, snapshot, throughSeq, generation)),
    list: () => measure('list', () => storage.list()),
    delete: (room) => measure('delete', () => storage.delete(room)),
    close: () => storage.close(),
  }
}

/**
 * Edits keyed by their Yjs id, for matching each arrival at a client to its
 * send: the drivers note [key, time] per edit sent and [key, receiver, time]
 * per edit arrived, and the orchestrator pairs them by key.
 */
import * as Y from 'yjs'
import { firstId } from './protocol-client.js'

/** One number per edit: its client and clock. Clocks stay below 1e6 in every scenario. */
export const idKey = (client: number, clock: number) => client * 1e6 + clock

/** The machine's monotonic clock in ms, which all processes share (performance.now() is per process). */
export const now = () => Number(process.hrtime.bigint()) / 1e6

/**
 * Notes in `arrivals` the arrival at `receiver` of every edit in `update`
 * that `ownClient` (the receiver's Yjs client id) did not make: at once for an update of one struct (one edit), by decoding
 * it otherwise (Hocuspocus merges the updates of one event-loop turn into
 * one broadcast).
 */
export function noteArrivals(arrivals: number[], update: Uint8Array, ownClient: number, receiver: number, arrivedAt: number): void {
  // [client count][struct count][client][clock]...: one client with one struct.
  if (update[0] === 1 && update[1] === 1) {
    const id = firstId(update)
    if (id && id.client !== ownClient) arrivals.push(idKey(id.client, id.clock), receiver, arrivedAt)
    return
  }
  for (const struct of Y.decodeUpdate(update).structs) {
    if (struct instanceof Y.Skip || struct.id.client === ownClient) continue
    for (let clock = struct.id.clock; clock < struct.id.clock + struct.length; clock++) arrivals.push(idKey(struct.id.client, clock), receiver, arrivedAt)
  }
}

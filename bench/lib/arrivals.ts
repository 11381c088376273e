/**
 * Edits keyed by their Yjs id, for matching each arrival at a client to its
 * send: the drivers note [key, time] per edit sent and [key, receiver, time]
 * per edit arrived, and the orchestrator pairs them by key.
 */
import * as Y from 'yjs'

/** One number per edit: its client and clock. Clocks stay below 1e6 in every scenario. */
export const idKey = (client: number, clock: number) => client * 1e6 + clock

/** The machine's monotonic clock in ms, which all processes share (performance.now() is per process). */
export const now = () => Number(process.hrtime.bigint()) / 1e6

/**
 * Notes in `arrivals` the arrival at `receiver` of every edit in `update`
 * that `ownClient` (the receiver's Yjs client id) did not make. An update
 * may hold several edits: Hocuspocus merges the updates of one event-loop
 * turn into one broadcast, and a crowded Ortak room sends the Yjs
 * transaction of its turn, in which one writer's consecutive edits are one
 * struct of several characters. Counting a struct as one edit would drop
 * the others from the latencies (the ones a stall held together).
 */
export function noteArrivals(arrivals: number[], update: Uint8Array, ownClient: number, receiver: number, arrivedAt: number): void {
  // [client count][struct count][client][clock]...: one client with one struct, whose clocks are one range.
  if (update[0] === 1 && update[1] === 1) {
    const { from, to } = Y.parseUpdateMeta(update)
    for (const [client, start] of from) {
      if (client === ownClient) continue
      for (let clock = start; clock < to.get(client)!; clock++) arrivals.push(idKey(client, clock), receiver, arrivedAt)
    }
    return
  }
  for (const struct of Y.decodeUpdate(update).structs) {
    if (struct instanceof Y.Skip || struct.id.client === ownClient) continue
    for (let clock = struct.id.clock; clock < struct.id.clock + struct.length; clock++) arrivals.push(idKey(struct.id.client, clock), receiver, arrivedAt)
  }
}

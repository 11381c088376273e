/**
 * Whether an update would change a document: new structs or new deletions.
 * Two kinds of client send updates that change nothing. A read-only
 * connection's sync step 2 repeats what the room has: the stock provider
 * answers the server's sync step 1 with everything the server lacks, which
 * for a reader is no structs but its whole delete set (Yjs always sends
 * that); it is accepted, anything more is a write and refused. And some
 * clients (Yrs-based ones) send back every update they apply, byte for
 * byte: storing and relaying those would grow the log and the traffic with
 * every echo, so the room acknowledges them without either.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

/** True if applying `update` to `doc` would change nothing. Reads the update and the doc; changes neither. */
export function addsNothingNew(doc: Y.Doc, update: Uint8Array): boolean {
  if (firstStructsAreNew(doc, update)) return false
  const { to } = Y.parseUpdateMeta(update)
  for (const [client, endClock] of to) {
    if (endClock > Y.getState(doc.store, client)) return false
  }
  const { ds } = Y.decodeUpdate(update)
  for (const [client, ranges] of ds.clients) {
    const structs = doc.store.clients.get(client)
    const known = Y.getState(doc.store, client)
    for (const { clock, len } of ranges) {
      if (len === 0) continue
      // Deleting what the room does not have is a change too: Yjs would keep it pending.
      if (!structs || clock + len > known) return false
      for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < clock + len; i++) {
        if (!structs[i]!.deleted) return false
      }
    }
  }
  return true
}

/**
 * The fast answer for the common case, a keystroke: the update's first
 * client block starts at or past the clock the document holds for that
 * client, so it brings structs the document lacks. Reads a few varints.
 */
function firstStructsAreNew(doc: Y.Doc, update: Uint8Array): boolean {
  const decoder = decoding.createDecoder(update)
  if (decoding.readVarUint(decoder) === 0) return false
  const structs = decoding.readVarUint(decoder)
  const client = decoding.readVarUint(decoder)
  const clock = decoding.readVarUint(decoder)
  return structs > 0 && clock >= Y.getState(doc.store, client)
}

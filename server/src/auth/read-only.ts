/**
 * What a read-only connection may send of the document: only what the
 * room already has. The stock provider answers the server's sync step 1
 * with a sync step 2 holding everything the server lacks, which for a
 * reader is no structs but its whole delete set (Yjs always sends that).
 * Such a message changes nothing and is accepted; anything that would add
 * a struct or delete something not yet deleted is a write, and is refused.
 */
import * as Y from 'yjs'

/** True if applying `update` to `doc` would change nothing. Reads the update and the doc; changes neither. */
export function addsNothingNew(doc: Y.Doc, update: Uint8Array): boolean {
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

/**
 * The part of an update a document does not hold yet. A client may send
 * structs the room already has (a hostile one does so on purpose; an
 * honest one whose sync step 2 crossed another client's edit may too). Yjs
 * skips what it holds and integrates the rest from the clock where it
 * lacks it, so the room's document is right either way; but relaying or
 * storing the update as sent hands every other client structs that its own
 * copy may hold differently (garbage collected where the room still has
 * the item), and Yjs 13.6 throws on such an overlap where the struct before
 * it was garbage collected ("reading 'origin'" in Item.integrate). Cut to
 * what is new, the update says exactly what the room integrated, for the
 * clients, the storage and the other instances alike.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

/** `update` itself if none of its structs is held by `doc` already; else the update cut to the structs `doc` lacks, with the whole delete set. */
export function newPartOf(doc: Y.Doc, update: Uint8Array, starts: ReadonlyMap<number, number> = firstClocks(update)): Uint8Array {
  for (const [client, clock] of starts) {
    if (clock < Y.getState(doc.store, client)) return Y.diffUpdate(update, Y.encodeStateVector(doc))
  }
  return update
}

/** The first clock of each client whose structs `update` holds. */
export function firstClocks(update: Uint8Array): Map<number, number> {
  const decoder = decoding.createDecoder(update)
  const clients = decoding.readVarUint(decoder)
  if (clients === 0) return new Map()
  // A keystroke's update holds one client's structs: its first clock, read from the header, answers.
  if (clients === 1) {
    decoding.readVarUint(decoder)
    const client = decoding.readVarUint(decoder)
    return new Map([[client, decoding.readVarUint(decoder)]])
  }
  return Y.parseUpdateMeta(update).from
}

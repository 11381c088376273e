/**
 * What a new version stores: the Yjs update from the previous version (the
 * room's head) to the document now. Yjs's own `encodeStateAsUpdate(doc, sv)`
 * gives the structs added since the head's state vector but always the
 * whole delete set, so every version would store again every deletion ever
 * made, and rebuilding version N would apply N ever larger delete sets.
 * Here the increment carries only the deletions the head's snapshot does
 * not hold: applied in order, the increments still add up to exactly the
 * document of each version (and merge into the same update), in fewer bytes
 * and less time (docs/ARCHITECTURE.md, "Version history";
 * `npm run bench -- --only history` measures both).
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

type DeleteSet = Y.Snapshot['ds']
interface DeletedRange { clock: number; len: number }

/** The update that takes a document at `head` (null: at nothing) to `doc` as it is now. */
export function versionIncrement(doc: Y.Doc, head: Y.Snapshot | null): Uint8Array {
  if (!head) return Y.encodeStateAsUpdate(doc)
  const update = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(head.sv))
  const deleted = Y.createDeleteSetFromStructStore(doc.store)
  // The update ends with the whole delete set, which Yjs writes exactly as writeDeleteSet below does:
  // the structs are everything before it. Should a Yjs version write it otherwise, the whole update
  // is stored, which is still a correct increment, only a larger one.
  const whole = writeDeleteSet(deleted)
  if (!endsWith(update, whole)) return update
  const since = writeDeleteSet(deletionsSince(deleted, head.ds))
  const increment = new Uint8Array(update.byteLength - whole.byteLength + since.byteLength)
  increment.set(update.subarray(0, update.byteLength - whole.byteLength))
  increment.set(since, update.byteLength - whole.byteLength)
  return increment
}

/** The ranges deleted in `now` that `before` does not hold; both sorted and merged, as a struct store's are. */
export function deletionsSince(now: DeleteSet, before: DeleteSet): DeleteSet {
  const since = Y.createDeleteSet()
  for (const [client, ranges] of now.clients) {
    const old: readonly DeletedRange[] = before.clients.get(client) ?? []
    const left: DeletedRange[] = []
    let next = 0
    for (const range of ranges) {
      let start = range.clock
      const end = range.clock + range.len
      while (next < old.length && old[next]!.clock + old[next]!.len <= start) next++
      for (let i = next; start < end; i++) {
        const known = old[i]
        if (!known || known.clock >= end) {
          left.push({ clock: start, len: end - start })
          break
        }
        if (known.clock > start) left.push({ clock: start, len: known.clock - start })
        start = Math.max(start, known.clock + known.len)
      }
    }
    // Yjs's DeleteItem is a class of just these two fields: a plain object reads the same to every Yjs function.
    if (left.length > 0) since.clients.set(client, left)
  }
  return since
}

/** A delete set in the v1 update encoding: clients in descending order, each with its ranges. */
function writeDeleteSet(deleted: DeleteSet): Uint8Array {
  const encoder = encoding.createEncoder()
  const clients = [...deleted.clients].filter(([, ranges]) => ranges.length > 0).sort(([a], [b]) => b - a)
  encoding.writeVarUint(encoder, clients.length)
  for (const [client, ranges] of clients) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, ranges.length)
    for (const { clock, len } of ranges) {
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarUint(encoder, len)
    }
  }
  return encoding.toUint8Array(encoder)
}

function endsWith(bytes: Uint8Array, tail: Uint8Array): boolean {
  if (tail.byteLength > bytes.byteLength) return false
  const offset = bytes.byteLength - tail.byteLength
  for (let i = 0; i < tail.byteLength; i++) if (bytes[offset + i] !== tail[i]) return false
  return true
}

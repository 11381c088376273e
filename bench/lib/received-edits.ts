/**
 * Bookkeeping for the durability scenario: which edits a client has
 * received, and which of them a document loaded after the last crash lacks.
 */
import * as Y from 'yjs'

type StoredDeletes = ReturnType<typeof Y.snapshot>['ds']

/**
 * Edits made of fixed-length insertions (the typing clients'): edit i of a
 * client covers its clocks [i * length, (i + 1) * length). Any update form,
 * single edit or a whole sync step 2, maps onto these ids.
 */
export class FixedLengthEdits {
  /** client id -> indexes of its edits seen. */
  readonly seen = new Map<number, Set<number>>()

  constructor(private readonly editLength: number, private readonly authors: ReadonlySet<number>) {}

  add(update: Uint8Array): void {
    for (const struct of Y.decodeUpdate(update).structs) {
      if (!(struct instanceof Y.Item) || !this.authors.has(struct.id.client)) continue
      let set = this.seen.get(struct.id.client)
      if (!set) this.seen.set(struct.id.client, set = new Set())
      const first = Math.floor(struct.id.clock / this.editLength)
      const last = Math.floor((struct.id.clock + struct.length - 1) / this.editLength)
      for (let i = first; i <= last; i++) set.add(i)
    }
  }

  get count(): number {
    let n = 0
    for (const set of this.seen.values()) n += set.size
    return n
  }

  /** Edits seen here that `stored` does not hold. A client's clocks are contiguous in a Yjs store. */
  missingFrom(stored: Y.Doc): number {
    const stateVector = Y.decodeStateVector(Y.encodeStateVector(stored))
    let missing = 0
    for (const [client, indexes] of this.seen) {
      const storedClock = stateVector.get(client) ?? 0
      for (const i of indexes) if ((i + 1) * this.editLength > storedClock) missing++
    }
    return missing
  }
}

/** Whether every insertion and deletion of `update` is in `stored`. */
export function isContainedIn(update: Uint8Array, storedStateVector: Map<number, number>, storedDeletes: StoredDeletes): boolean {
  const { structs, ds } = Y.decodeUpdate(update)
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue
    if ((storedStateVector.get(struct.id.client) ?? 0) < struct.id.clock + struct.length) return false
  }
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      for (let clock = range.clock; clock < range.clock + range.len; clock++) {
        if (!Y.isDeleted(storedDeletes, Y.createID(client, clock))) return false
      }
    }
  }
  return true
}

/** The stored document as a new client receives it: connect, sync, apply. */
export function storedState(doc: Y.Doc): { stateVector: Map<number, number>; deletes: StoredDeletes } {
  return { stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)), deletes: Y.snapshot(doc).ds }
}

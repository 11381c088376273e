/**
 * The bytes of a room's whole state (a stored snapshot, or the state last
 * encoded whole), and the updates the room applied after it, kept while
 * those two together are exactly the document. A client that connects
 * holding nothing (an empty state vector) is sent these instead of the
 * document encoded again: encoding a large document is the longest step on
 * the path from connect to the first full document (`npm run bench`,
 * scenario cold-load), it would be paid again by every client joining a
 * room being edited (bench/tools/join-loaded-paper.ts), and asking for it
 * again and again must not make the server encode it each time (scenario
 * abuse).
 *
 * The room reports each update just before it applies it (`applying`).
 * Any transaction of the document that applied nothing reported (another
 * instance's changes, say) drops what is held, as does a list of later
 * updates grown past a share of the snapshot: encoding the whole state
 * once more is then cheaper than what a new client would be sent. A small
 * snapshot is dropped by the first change instead: encoding a small
 * document again costs little, and holding its bytes, its later updates
 * and a listener would cost every quiet small room memory (scenario
 * connections).
 */
import type * as Y from 'yjs'

/** Later updates kept at most, in number and as a share of the snapshot's bytes (at least MIN_LATER_BYTES). */
const MAX_LATER_UPDATES = 256
const MAX_LATER_SHARE = 0.25
const MIN_LATER_BYTES = 16 * 1024
/** Snapshots smaller than this are kept only while the document is unchanged. */
const MIN_SNAPSHOT_BYTES_WITH_LATER = 32 * 1024

export interface WholeState {
  snapshot: Uint8Array
  /** Applied after the snapshot, in order: a client holding nothing needs both. */
  later: readonly Uint8Array[]
}

export class HeldSnapshot {
  private bytes: Uint8Array | null = null
  private later: Uint8Array[] = []
  private laterBytes = 0
  /** Updates reported and not yet seen in a transaction. */
  private isUpdateReported = false
  /** Made when bytes are first held: a room that never holds any has no closure of it either. */
  private onTransaction: (() => void) | null = null

  constructor(private readonly doc: Y.Doc) {}

  /** `bytes` encode the document's whole state as it is now. */
  hold(bytes: Uint8Array): void {
    // The listener is added while bytes are held, not with the room: a room that holds none pays nothing.
    if (this.bytes === null) {
      this.doc.on('afterTransaction', this.onTransaction ??= () => {
        if (this.isUpdateReported) this.isUpdateReported = false
        else this.drop()
      })
    }
    this.bytes = bytes
    this.later = []
    this.laterBytes = 0
    this.isUpdateReported = false
  }

  /** The room is about to apply `update` to the document. */
  applying(update: Uint8Array): void {
    if (this.bytes === null) return
    if (this.bytes.byteLength < MIN_SNAPSHOT_BYTES_WITH_LATER) return this.drop()
    this.isUpdateReported = true
    this.later.push(update)
    this.laterBytes += update.byteLength
    const maxBytes = Math.max(MIN_LATER_BYTES, this.bytes.byteLength * MAX_LATER_SHARE)
    if (this.later.length > MAX_LATER_UPDATES || this.laterBytes > maxBytes) this.drop()
  }

  /** The snapshot if the document has not changed since it was held, else null. */
  get current(): Uint8Array | null {
    return this.later.length === 0 ? this.bytes : null
  }

  /** The snapshot and the updates applied since, if they still make up the document, else null. */
  get wholeState(): WholeState | null {
    return this.bytes === null ? null : { snapshot: this.bytes, later: this.later }
  }

  private drop(): void {
    if (this.bytes === null) return
    this.doc.off('afterTransaction', this.onTransaction!)
    this.bytes = null
    this.later = []
    this.laterBytes = 0
    this.isUpdateReported = false
  }
}

/** A state vector with no entries: the client holds nothing yet. */
export const isEmptyStateVector = (stateVector: Uint8Array) => stateVector.length === 1 && stateVector[0] === 0

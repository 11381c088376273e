/**
 * The bytes of a room's whole state (a stored snapshot, or the state last
 * encoded whole), kept for as long as the document is exactly that state.
 * A client that connects holding nothing (an empty state vector) is sent
 * these bytes as they are instead of the document encoded again: encoding
 * a large document is the longest step on the path from connect to the
 * first full document (`npm run bench`, scenario cold-load), and asking
 * for it again and again must not make the server encode it each time
 * (scenario abuse).
 */
import type * as Y from 'yjs'

export class UnchangedSnapshot {
  private bytes: Uint8Array | null = null

  constructor(private readonly doc: Y.Doc) {}

  /** `bytes` encode the document's whole state as it is now; the next transaction makes them stale. */
  hold(bytes: Uint8Array): void {
    // The listener is made when bytes are held, not with the room: a room holds none once its document changes.
    if (this.bytes === null) {
      this.doc.once('afterTransaction', () => {
        this.bytes = null
      })
    }
    this.bytes = bytes
  }

  /** The snapshot if the document has not changed since it was held, else null. */
  get current(): Uint8Array | null {
    return this.bytes
  }
}

/** A state vector with no entries: the client holds nothing yet. */
export const isEmptyStateVector = (stateVector: Uint8Array) => stateVector.length === 1 && stateVector[0] === 0

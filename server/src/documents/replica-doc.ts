/**
 * The server's Y.Docs: copies that change only by the updates applied to
 * them.
 *
 * After a transaction of remote changes to a text that holds formatting,
 * Yjs tidies the formatting on its own: it deletes the format items it
 * finds redundant, in a transaction of its own. What it finds depends on
 * which updates shared the transaction, so a room (a transaction per
 * update), its loader (runs of the log, see rooms/transaction-runs.ts) and
 * a compaction (one transaction) would each delete something different,
 * and nothing they deleted is in any update stored or sent: a room would
 * serve deletions a restart forgets. A client that tidies does it in its
 * own document and sends the deletions as an update, which the room stores
 * like any other. A document rebuilt from stored updates is rebuilt as a
 * room loads them, so it is the one the room served.
 */
import * as Y from 'yjs'
import { applyInRuns } from '../rooms/transaction-runs.js'

/** A Y.Doc that never tidies formatting itself (see above). */
export function createReplicaDoc(options?: ConstructorParameters<typeof Y.Doc>[0]): Y.Doc {
  const doc = new Y.Doc(options)
  doc.on('afterTransaction', skipFormattingCleanup)
  return doc
}

// Yjs reads the flag right after the 'afterTransaction' handlers, and only then tidies.
const skipFormattingCleanup = (transaction: Y.Transaction) => {
  transaction._needFormattingCleanup = false
}

/**
 * A Y.Doc holding the given updates (a stored snapshot and log, or one
 * exported state), applied as a room applies its log: the document is the
 * one the room served.
 */
export function yDocFromUpdates(updates: readonly Uint8Array[]): Y.Doc {
  const doc = createReplicaDoc()
  applyInRuns(doc, updates, (update) => {
    Y.applyUpdate(doc, update)
    return true
  })
  return doc
}

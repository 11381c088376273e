/**
 * Applying several updates to a document in as few Yjs transactions as
 * give the same document as one transaction each.
 *
 * Yjs garbage-collects what a transaction deleted when the transaction
 * ends: a deleted type's children become GC structs, a deleted item's
 * content is dropped. A later update that refers to such a struct (as its
 * origin, right origin or parent) integrates one way before that cleanup
 * and another way after it. So the same updates grouped differently can
 * make different documents, and a log that one grouping applied cleanly
 * can make another throw. A transaction is therefore ended after every
 * update that deleted something; until one does, nothing is collected and
 * the grouping changes nothing. The room and its loader both apply updates
 * this way, so what a room holds in memory is what loading its log makes.
 */
import * as Y from 'yjs'

/**
 * Calls `apply` for each item in order, inside transactions that end after
 * any item whose update deleted something; stops early when `apply`
 * returns false. Throws what Yjs throws, as Y.transact does.
 */
export function applyInRuns<T>(doc: Y.Doc, items: readonly T[], apply: (item: T) => boolean, origin: unknown = null): void {
  let next = 0
  let isStopped = false
  while (next < items.length && !isStopped) {
    Y.transact(doc, (transaction) => {
      while (next < items.length) {
        if (!apply(items[next++]!)) {
          isStopped = true
          return
        }
        if (transaction.deleteSet.clients.size > 0) return
      }
    }, origin)
  }
}

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { STRONG_HELLO, concurrentStrong, firstText } from '../../test/concurrent-formatting.js'
import { createReplicaDoc, yDocFromUpdates } from './replica-doc.js'

const deletedClocks = (doc: Y.Doc) => [...Y.createDeleteSetFromStructStore(doc.store).clients]

describe('a replica document', () => {
  it('deletes nothing of its own when the updates it takes leave redundant formatting, where a plain Y.Doc does', () => {
    const { base, first, second } = concurrentStrong()
    const apart = (doc: Y.Doc) => {
      for (const update of [base, first, second]) Y.applyUpdate(doc, update)
      return doc
    }
    // The premise: Yjs tidies the second editor's duplicate marks away, which no update holds.
    expect(deletedClocks(apart(new Y.Doc()))).not.toEqual([])
    expect(Y.decodeUpdate(Y.mergeUpdates([base, first, second])).ds.clients.size).toBe(0)

    const replica = apart(createReplicaDoc())
    expect(deletedClocks(replica)).toEqual([])
    // Held the way one transaction of all three holds them, which is how they load.
    const loaded = yDocFromUpdates([base, first, second])
    expect(Y.encodeStateAsUpdate(replica)).toEqual(Y.encodeStateAsUpdate(loaded))
    expect(firstText(replica).toDelta()).toEqual(STRONG_HELLO)
  })

  it('still takes the deletions a client sends when it tidies', () => {
    const { base, first, second } = concurrentStrong()
    const client = new Y.Doc()
    const tidied: Uint8Array[] = []
    client.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === null) tidied.push(update)
    })
    for (const update of [base, first, second]) Y.applyUpdate(client, update, 'remote')
    expect(tidied.length).toBeGreaterThan(0)

    const replica = createReplicaDoc()
    for (const update of [base, first, second, ...tidied]) Y.applyUpdate(replica, update)
    expect(deletedClocks(replica)).toEqual(deletedClocks(client))
  })
})

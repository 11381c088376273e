/**
 * A stored version as a document: the increments of versions 1..N applied,
 * in order, to a Y.Doc that keeps deleted content (`gc: false`). What that
 * doc holds is every change up to version N, so it is both the version's
 * content and what y-prosemirror needs to show the difference between two
 * versions (see README, "History").
 */
import * as Y from 'yjs'
import { createReplicaDoc } from '../documents/replica-doc.js'
import type { VersionStore } from '../storage/versions.js'

/** Version `id` of `room` rebuilt, or null if there is no such version. The caller destroys it. */
export async function openVersion(store: VersionStore, room: string, id: number): Promise<Y.Doc | null> {
  const increments = await store.increments(room, id)
  if (!increments) return null
  const doc = createReplicaDoc({ gc: false })
  Y.transact(doc, () => {
    for (const increment of increments) Y.applyUpdate(doc, increment)
  })
  return doc
}

/**
 * Version `id` of `room` as one Yjs update holding every change up to it,
 * deleted content included (the `yjs` export format), or, given `since`
 * (an earlier version), only the changes from that version to this one;
 * null if there is no version `id`. Merged from the increments without
 * building a Y.Doc, which costs a fraction of rebuilding one.
 */
export async function versionUpdate(store: VersionStore, room: string, id: number, since?: number): Promise<Uint8Array | null> {
  const increments = await store.increments(room, id, since)
  return increments ? Y.mergeUpdates(increments) : null
}

/** Two consecutive increments as one: applied after the versions before the first, it gives the second. */
export const mergeIncrements = (earlier: Uint8Array, later: Uint8Array): Uint8Array => Y.mergeUpdates([earlier, later])

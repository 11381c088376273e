/**
 * What every VersionStore must do, run against each adapter: versions
 * rebuilt from their increments equal the document as it was, a deleted
 * room's versions go with it and a late write of one is refused, and
 * thinning leaves every kept version rebuildable.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { openVersion } from '../src/history/version-documents.js'
import { mergeIncrements } from '../src/history/version-documents.js'
import { RoomDeletedError, type Storage } from '../src/storage/storage.js'
import type { NewVersion, VersionAuthor, VersionHead, VersionStore } from '../src/storage/versions.js'
import { textUpdate } from './security-helpers.js'

export interface VersionedStorage extends Storage {
  readonly versions: VersionStore
}

const ada: VersionAuthor = { id: 'u-ada', name: 'Ada', verified: true }
const grace: VersionAuthor = { id: null, name: 'Grace', verified: false }

/** A live room's document (gc on, as rooms are) and the version it would record now. */
class LiveDocument {
  readonly doc = new Y.Doc({ gc: true })
  readonly text = this.doc.getText('t')

  version(head: VersionHead | null, author: VersionAuthor, createdAt = Date.now()): NewVersion {
    const since = head ? Y.encodeStateVector(Y.decodeSnapshot(head.snapshot).sv) : undefined
    return {
      kind: 'auto', createdAt, name: null, savedBy: null, authors: [author], clients: { [this.doc.clientID]: 0 }, restoredFrom: null,
      documentBytes: Y.encodeStateAsUpdate(this.doc).byteLength,
      increment: Y.encodeStateAsUpdate(this.doc, since), snapshot: Y.encodeSnapshot(Y.snapshot(this.doc)),
    }
  }
}

async function textOfVersion(store: VersionStore, room: string, id: number): Promise<string | null> {
  const doc = await openVersion(store, room, id)
  if (!doc) return null
  const text = doc.getText('t').toString()
  doc.destroy()
  return text
}

/** Records `count` versions of a document whose text is edited (inserts and deletes) between them; returns each version's id and text. */
async function recordEditedVersions(store: VersionStore, room: string, count: number, at = (i: number) => Date.now() + i) {
  const live = new LiveDocument()
  const recorded: Array<{ id: number; text: string }> = []
  for (let i = 0; i < count; i++) {
    live.text.insert(0, `v${i} `)
    if (i % 2 === 1) live.text.delete(2, 3)
    const version = await store.record(room, 0, (head) => live.version(head, i % 2 === 0 ? ada : grace, at(i)))
    recorded.push({ id: version!.id, text: live.text.toString() })
  }
  return recorded
}

export function itKeepsVersions(open: () => Promise<VersionedStorage>): void {
  it('rebuilds every version exactly from the increments, and lists them newest first, a page at a time', async () => {
    const { versions } = await open()
    const recorded = await recordEditedVersions(versions, 'doc', 5)
    for (const { id, text } of recorded) expect(await textOfVersion(versions, 'doc', id)).toBe(text)
    const first = await versions.list('doc', 2)
    expect(first.versions.map((v) => v.id)).toEqual([recorded[4]!.id, recorded[3]!.id])
    const rest = await versions.list('doc', 10, first.next!)
    expect(rest.versions.map((v) => v.id)).toEqual([recorded[2]!.id, recorded[1]!.id, recorded[0]!.id])
    expect(rest.next).toBeNull()
    const one = await versions.get('doc', recorded[1]!.id)
    expect(one).toMatchObject({ room: 'doc', kind: 'auto', authors: [grace], savedBy: null, restoredFrom: null })
    expect(one!.incrementBytes).toBeGreaterThan(0)
    expect(await versions.get('doc', 999_999)).toBeNull()
    expect(await versions.increments('doc', 999_999)).toBeNull()
    // The changes from one version to a later one: the increments after the first, up to the second.
    expect(await versions.increments('doc', recorded[3]!.id, recorded[1]!.id)).toEqual((await versions.increments('doc', recorded[3]!.id))!.slice(2))
    expect(await versions.get('other room', recorded[1]!.id)).toBeNull()
  })

  it('writes nothing when the caller finds nothing to record', async () => {
    const { versions } = await open()
    const [only] = await recordEditedVersions(versions, 'quiet', 1)
    let seen: VersionHead | null = null
    expect(await versions.record('quiet', 0, (head) => {
      seen = head
      return null
    })).toBeNull()
    expect(seen!.id).toBe(only!.id)
    expect(seen!.createdAt).toBe((await versions.get('quiet', only!.id))!.createdAt)
    expect((await versions.list('quiet', 10)).versions).toHaveLength(1)
  })

  it('deletes a room\'s versions with the room, and refuses a version of the deleted room', async () => {
    const storage = await open()
    await storage.append([{ room: 'gone', update: textUpdate('x'), generation: 0 }])
    await recordEditedVersions(storage.versions, 'gone', 2)
    const generation = await storage.delete('gone')
    expect((await storage.versions.list('gone', 10)).versions).toEqual([])
    const live = new LiveDocument()
    live.text.insert(0, 'late')
    await expect(storage.versions.record('gone', 0, (head) => live.version(head, ada))).rejects.toBeInstanceOf(RoomDeletedError)
    // The room created anew starts a history of its own: no head left from before.
    let head: VersionHead | null | undefined
    await storage.versions.record('gone', generation, (h) => {
      head = h
      return live.version(h, ada)
    })
    expect(head).toBeNull()
    expect((await storage.versions.list('gone', 10)).versions).toHaveLength(1)
  })

  it('thins versions into later ones that still rebuild exactly, with the removed versions\' authors', async () => {
    const { versions } = await open()
    const recorded = await recordEditedVersions(versions, 'thin', 6)
    const [v0, v1, v2, v3, v4, v5] = recorded.map((r) => r.id) as [number, number, number, number, number, number]
    await versions.thin('thin', [{ remove: v1, into: v2 }, { remove: v2, into: v3 }, { remove: v4, into: v5 }], mergeIncrements)
    expect((await versions.list('thin', 10)).versions.map((v) => v.id)).toEqual([v5, v3, v0])
    for (const { id, text } of [recorded[0]!, recorded[3]!, recorded[5]!]) expect(await textOfVersion(versions, 'thin', id)).toBe(text)
    // v3 now holds v1's and v2's changes as well as its own: Grace's (v1, v3) and Ada's (v2).
    expect((await versions.get('thin', v3))!.authors).toEqual([grace, ada])
    expect((await versions.get('thin', v5))!.authors).toEqual([ada, grace])
  })
}

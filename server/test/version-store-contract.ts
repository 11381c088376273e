/**
 * What every VersionStore must do, run against each adapter: versions
 * rebuilt from their increments equal the document as it was, a deleted
 * room's versions go with it and a late write of one is refused, and
 * thinning leaves every kept version rebuildable. Then how increments are
 * kept (stored-increment.ts): rows of the release before, stored as plain
 * updates, still open and take new versions on top, and a damaged row fails
 * with an error that names its version.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { openVersion } from '../src/history/version-documents.js'
import { mergeIncrements } from '../src/history/version-documents.js'
import { RoomDeletedError, type Storage } from '../src/storage/storage.js'
import { CorruptVersionError } from '../src/storage/stored-increment.js'
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

/** What the stored-increment tests need of an adapter, beyond opening its storage: writing its rows as a disk or an older release left them. */
export interface StoredRows {
  /**
   * A storage whose room `room` holds `versions` as the release before
   * compressed increments wrote them (the increment as it is, in a table
   * without the format column, the schema at that release's layout), with
   * the room's head at the last of them.
   */
  withRowsOfTheReleaseBefore(room: string, versions: readonly NewVersion[]): Promise<VersionedStorage>
  /** Overwrites the stored bytes of version `id` of `room` with `damage` of them, as a failing disk would. */
  damage(storage: VersionedStorage, room: string, id: number, damage: (stored: Uint8Array) => Uint8Array): Promise<void>
}

// Text that repeats, as prose does: what deflate shrinks.
const paragraph = (i: number) => `Paragraph ${i}: the minutes of the meeting, as they were typed and retyped. `.repeat(20)

export function itKeepsIncrementsReadable(open: () => Promise<VersionedStorage>, rows: StoredRows): void {
  it('opens the versions an earlier release stored uncompressed, records new ones on top and thins the old into the new', async () => {
    const live = new LiveDocument()
    const earlier: NewVersion[] = []
    const texts: string[] = []
    let head: VersionHead | null = null
    for (let i = 0; i < 2; i++) {
      live.text.insert(live.text.length, paragraph(i))
      if (i === 1) live.text.delete(0, 10)
      const version = live.version(head, ada, Date.now() + i)
      earlier.push(version)
      texts.push(live.text.toString())
      head = { id: i + 1, createdAt: version.createdAt, snapshot: version.snapshot }
    }
    const storage = await rows.withRowsOfTheReleaseBefore('old', earlier)
    const listed = (await storage.versions.list('old', 10)).versions.reverse()
    expect(listed.map((v) => v.incrementBytes)).toEqual(earlier.map((v) => v.increment.byteLength))
    for (const [i, { id }] of listed.entries()) expect(await textOfVersion(storage.versions, 'old', id)).toBe(texts[i])

    live.text.insert(live.text.length, paragraph(2))
    let newIncrementBytes = 0
    const recorded = (await storage.versions.record('old', 0, (h) => {
      const version = live.version(h, grace)
      newIncrementBytes = version.increment.byteLength
      return version
    }))!
    // Stored deflated: the row is smaller than the update it holds.
    expect(recorded.incrementBytes).toBeLessThan(newIncrementBytes / 2)
    expect(await textOfVersion(storage.versions, 'old', recorded.id)).toBe(live.text.toString())
    expect(await textOfVersion(storage.versions, 'old', listed[0]!.id)).toBe(texts[0])

    await storage.versions.thin('old', [{ remove: listed[1]!.id, into: recorded.id }], mergeIncrements)
    expect((await storage.versions.list('old', 10)).versions.map((v) => v.id)).toEqual([recorded.id, listed[0]!.id])
    expect(await textOfVersion(storage.versions, 'old', recorded.id)).toBe(live.text.toString())
    expect(await textOfVersion(storage.versions, 'old', listed[0]!.id)).toBe(texts[0])
  })

  it('refuses to open a damaged version, and the versions built on it, with an error naming it; the versions before still open', async () => {
    const storage = await open()
    const live = new LiveDocument()
    const recorded: Array<{ id: number; text: string }> = []
    for (let i = 0; i < 3; i++) {
      live.text.insert(live.text.length, paragraph(i))
      const version = await storage.versions.record('damaged', 0, (head) => live.version(head, ada))
      recorded.push({ id: version!.id, text: live.text.toString() })
    }
    const [first, second, third] = recorded as [typeof recorded[0], typeof recorded[0], typeof recorded[0]]
    // Cut short, as a torn write leaves a deflated stream.
    await rows.damage(storage, 'damaged', second.id, (stored) => stored.subarray(0, Math.floor(stored.byteLength / 2)))
    expect(await textOfVersion(storage.versions, 'damaged', first.id)).toBe(first.text)
    for (const id of [second.id, third.id]) {
      const opening = textOfVersion(storage.versions, 'damaged', id)
      await expect(opening).rejects.toBeInstanceOf(CorruptVersionError)
      await expect(opening).rejects.toThrow(`version ${second.id} of room "damaged" cannot be read: its stored increment`)
    }
    expect((await storage.versions.list('damaged', 10)).versions).toHaveLength(3)
  })
}

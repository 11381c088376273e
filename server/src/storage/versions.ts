/**
 * Where a room's version history lives, beside its document (storage.ts).
 * A version is stored as the Yjs update since the version before it (its
 * increment), so the live room keeps garbage collection on: version N is
 * rebuilt by applying the increments of versions 1..N, in order, to a Y.Doc
 * with `gc: false` (see docs/ARCHITECTURE.md, "Version history", for why and
 * the figures). Each room also has a head: the Yjs snapshot (state vector
 * and delete set) of its newest version, which the next increment starts
 * from and which tells whether anything changed since.
 *
 * Version writes carry the room's generation like appends do, and are
 * refused with RoomDeletedError once the room was deleted; deleting a room
 * deletes its versions.
 */

export type VersionKind = 'auto' | 'named' | 'restore'

/** Someone whose changes a version holds, or who saved it. */
export interface VersionAuthor {
  /** The token's user id; null without access control. */
  id: string | null
  name: string
  /** True when the name comes from an access token, false when it is what the client showed in its awareness. */
  verified: boolean
}

/** A version as listed: everything but its increment. */
export interface VersionInfo {
  id: number
  room: string
  kind: VersionKind
  /** Milliseconds since the epoch. */
  createdAt: number
  /** The name given to a named version, or "restored from ..." for a restore; null for an automatic one. */
  name: string | null
  savedBy: VersionAuthor | null
  /** Whose changes it holds since the version before it. */
  authors: VersionAuthor[]
  /** Each Yjs client id whose insertions the version holds, with the index of its author in `authors`. */
  clients: Record<string, number>
  restoredFrom: number | null
  /** Size of the document at this version (`Y.encodeStateAsUpdate`). */
  documentBytes: number
  /** What the increment takes in storage: deflated, as its row keeps it (stored-increment.ts). */
  incrementBytes: number
}

/** What the caller of `record` computes from the room's document, under the room's head lock. */
export interface NewVersion extends Omit<VersionInfo, 'id' | 'room' | 'incrementBytes'> {
  /** The Yjs update from the head's state vector to this version. */
  increment: Uint8Array
  /** Y.encodeSnapshot of the document at this version: the room's new head. */
  snapshot: Uint8Array
}

export interface VersionHead {
  id: number
  /** When the newest version was recorded. */
  createdAt: number
  /** Y.encodeSnapshot of the newest version. */
  snapshot: Uint8Array
}

export interface VersionPage {
  /** Newest first. */
  versions: VersionInfo[]
  /** Pass as `before` for the next page; null on the last. */
  next: number | null
}

/** One version to remove in a thinning, and the later version its changes are merged into. */
export interface ThinningStep {
  remove: number
  into: number
}

export interface VersionStore {
  /**
   * Records a version of `room`: holding the room's head (so versions of a
   * room, from any instance, are written one at a time), calls `make` with
   * the head and stores what it returns. `make` returns null when there is
   * nothing to record (nothing changed since the head): nothing is written
   * and the promise resolves null. Rejects with RoomDeletedError, writing
   * nothing, if `generation` is no longer the room's.
   */
  record(room: string, generation: number, make: (head: VersionHead | null) => NewVersion | null): Promise<VersionInfo | null>
  /** The room's versions, newest first, `limit` at a time, those older than `before` (an id) when given. */
  list(room: string, limit: number, before?: number): Promise<VersionPage>
  get(room: string, id: number): Promise<VersionInfo | null>
  /**
   * The increments of the room's versions after `after` up to `id` (by
   * default all of 1..id), oldest first, as Yjs updates however their rows
   * keep them; null if there is no version `id`. Rejects with
   * CorruptVersionError, naming the version, if one of them cannot be read.
   */
  increments(room: string, id: number, after?: number): Promise<Uint8Array[] | null>
  /**
   * Removes versions, each merged into a later one that stays (its
   * increment, authors and clients), so every version kept is rebuilt
   * exactly as before. `merge` joins two increments into one.
   */
  thin(room: string, steps: readonly ThinningStep[], merge: (earlier: Uint8Array, later: Uint8Array) => Uint8Array): Promise<void>
}

/** Two authors are one when they have the same token id, or, unverified, the same name. */
export const authorKey = (author: VersionAuthor): string =>
  author.verified && author.id !== null ? `id:${author.id}` : `name:${author.name}`

/**
 * The authors and clients of a version merged into a later one: the later
 * version then holds both versions' changes, so both versions' authors.
 */
export function mergeAuthorship(
  earlier: Pick<VersionInfo, 'authors' | 'clients'>,
  later: Pick<VersionInfo, 'authors' | 'clients'>,
): Pick<VersionInfo, 'authors' | 'clients'> {
  const authors = [...earlier.authors]
  const indexOf = new Map(authors.map((author, index) => [authorKey(author), index]))
  const laterIndex = later.authors.map((author) => {
    const key = authorKey(author)
    let index = indexOf.get(key)
    if (index === undefined) {
      index = authors.push(author) - 1
      indexOf.set(key, index)
    }
    return index
  })
  const clients: Record<string, number> = { ...earlier.clients }
  for (const [client, index] of Object.entries(later.clients)) clients[client] = laterIndex[index]!
  return { authors, clients }
}

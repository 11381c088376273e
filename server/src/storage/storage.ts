/**
 * Where room documents live. A room is stored as an optional snapshot (one
 * merged Yjs update) plus a log of updates appended after it, in order.
 * Adapters: sqlite.ts (the default, embedded); others implement the same
 * contract so rooms never know which one they talk to.
 *
 * Every room also has a generation, which only a delete changes. Writes
 * carry the generation the room had when it was loaded, and are refused
 * once it is no longer the room's: a copy of a deleted room still held in
 * memory somewhere (another instance, a compaction under way) can then
 * never store the deleted document again, while the room created anew under
 * the same name takes writes as usual.
 */
import type { FileStore } from './file-store.js'

export interface LoadedRoom {
  /** The snapshot first (if any), then every logged update in append order. */
  updates: Uint8Array[]
  /** Sequence number of the last logged update, 0 if the log is empty. */
  lastSeq: number
  logCount: number
  logBytes: number
  /** The room's generation: what its writes must carry. 0 for a room never deleted. */
  generation: number
}

export interface AppendEntry {
  room: string
  update: Uint8Array
  /** The generation of the room the update was applied to, as its load read it. */
  generation: number
}

export interface StoredRoomInfo {
  name: string
  /** Bytes on disk: snapshot plus log. */
  bytes: number
  logCount: number
  /** Milliseconds since the epoch of the last append or compaction. */
  updatedAt: number
}

export interface Storage {
  /** The rooms' files, in the same database; `delete` deletes a room's files with it. */
  readonly files: FileStore
  /** Everything stored for a room; an unknown room loads as empty. */
  load(room: string): Promise<LoadedRoom>
  /**
   * Appends the entries durably, all or none, in one transaction. Resolves
   * with each entry's sequence number once they are stored; entries of one
   * room appended together may share a number (they are stored as one).
   * If an entry's generation is no longer its room's, nothing is stored and
   * it rejects with RoomDeletedError naming every such entry.
   */
  append(entries: readonly AppendEntry[]): Promise<number[]>
  /**
   * Replaces the snapshot and every logged update with seq <= throughSeq by
   * `snapshot`, in one transaction. Updates logged after throughSeq stay.
   * Rejects with RoomDeletedError, changing nothing, if `generation` is no
   * longer the room's.
   */
  compact(room: string, snapshot: Uint8Array, throughSeq: number, generation: number): Promise<void>
  /** Stored rooms; a deleted room is listed again once something is written to it. */
  list(): Promise<StoredRoomInfo[]>
  /**
   * Deletes the room's snapshot and log and moves it to a new generation, so
   * no write carrying an older one is taken. Resolves with the new generation.
   */
  delete(room: string): Promise<number>
  close(): Promise<void>
}

/** A storage operation failed; the message names the operation and room. */
export class StorageError extends Error {}

/**
 * Writes refused because their room was deleted after they were made (the
 * generation they carry is no longer the room's). Not a failure of storage:
 * the room's copy in memory is of a document that no longer exists, and
 * must be dropped without being stored.
 */
export class RoomDeletedError extends Error {
  constructor(
    /** Each room some refused write went to, and the generation it has now. */
    readonly generations: ReadonlyMap<string, number>,
  ) {
    const names = [...generations.keys()].map((name) => `"${name}"`)
    const which = names.length === 1 ? `room ${names[0]} was deleted after it was` : `rooms ${names.join(', ')} were deleted after they were`
    super(`${which} loaded: the write is refused so the deleted document cannot come back`)
  }

  /** Whether this refused a write to `room` made at `generation`. */
  refuses(write: { room: string; generation: number }): boolean {
    const current = this.generations.get(write.room)
    return current !== undefined && current !== write.generation
  }
}

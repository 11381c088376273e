/**
 * Where room documents live. A room is stored as an optional snapshot (one
 * merged Yjs update) plus a log of updates appended after it, in order.
 * Adapters: sqlite.ts (the default, embedded); others implement the same
 * contract so rooms never know which one they talk to.
 */
export interface LoadedRoom {
  /** The snapshot first (if any), then every logged update in append order. */
  updates: Uint8Array[]
  /** Sequence number of the last logged update, 0 if the log is empty. */
  lastSeq: number
  logCount: number
  logBytes: number
}

export interface AppendEntry {
  room: string
  update: Uint8Array
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
  /** Everything stored for a room; an unknown room loads as empty. */
  load(room: string): Promise<LoadedRoom>
  /**
   * Appends the entries durably, all or none, in one transaction. Resolves
   * with each entry's sequence number once they are stored; entries of one
   * room appended together may share a number (they are stored as one).
   */
  append(entries: readonly AppendEntry[]): Promise<number[]>
  /**
   * Replaces the snapshot and every logged update with seq <= throughSeq by
   * `snapshot`, in one transaction. Updates logged after throughSeq stay.
   */
  compact(room: string, snapshot: Uint8Array, throughSeq: number): Promise<void>
  list(): Promise<StoredRoomInfo[]>
  delete(room: string): Promise<void>
  close(): Promise<void>
}

/** A storage operation failed; the message names the operation and room. */
export class StorageError extends Error {}

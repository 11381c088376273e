/**
 * How a version's increment is kept in its row (versions.ts), for both
 * adapters. A room's first version holds its whole document, next to the
 * log's snapshot of the same document, and Yjs updates of text deflate to
 * a fraction of their size: so increments are stored deflated
 * (`node:zlib`'s raw deflate, which inflates far faster than a version is
 * rebuilt). Each row says how its bytes are kept, so rows
 * written before compression (the update as it is) still read, and nothing
 * stored is rewritten. `npm run bench -- --only cold-load,history` measures
 * what this saves and costs (bench/RESULTS.md, "Bytes on disk").
 */
import zlib from 'node:zlib'
import { StorageError } from './storage.js'

/** The increment's bytes as they are: every row written before increments were compressed. */
export const PLAIN_INCREMENT = 0
/** The increment deflated (RFC 1951, no zlib header). */
export const DEFLATED_INCREMENT = 1

export interface StoredIncrement {
  /** PLAIN_INCREMENT or DEFLATED_INCREMENT. */
  format: number
  bytes: Uint8Array
}

/**
 * A stored increment could not be read back: the row's bytes do not inflate,
 * or say a format this Ortak does not know. The version cannot be opened (nor
 * any version after it, which is built on it); the room and its other
 * versions are unaffected.
 */
export class CorruptVersionError extends StorageError {
  constructor(readonly room: string, readonly versionId: number, problem: string) {
    super(`version ${versionId} of room "${room}" cannot be read: ${problem}`)
  }
}

/**
 * The increment as its row keeps it: deflated, unless that saves nothing (a tiny increment).
 * The window is the smallest that holds the whole increment, so a small one compresses exactly as well in
 * less time: deflate sets up (and clears) state in proportion to its window, 77 against 104 us
 * for a 5 KB increment, the size of a room's first version after a few minutes' typing. Inflating reads any window.
 */
export function packIncrement(increment: Uint8Array): StoredIncrement {
  const deflated = zlib.deflateRawSync(increment, { windowBits: windowBitsFor(increment.byteLength) })
  return deflated.byteLength < increment.byteLength
    ? { format: DEFLATED_INCREMENT, bytes: deflated }
    : { format: PLAIN_INCREMENT, bytes: increment }
}

/** zlib's window sizes are 2^9 to 2^15 bytes; it needs 262 bytes of lookahead beyond what it matches. */
function windowBitsFor(bytes: number): number {
  return Math.min(15, Math.max(9, Math.ceil(Math.log2(bytes + 262))))
}

/** The Yjs update a row of version `versionId` of `room` holds; throws CorruptVersionError naming the version. */
export function unpackIncrement(stored: StoredIncrement, room: string, versionId: number): Uint8Array {
  if (stored.format === PLAIN_INCREMENT) return stored.bytes
  if (stored.format !== DEFLATED_INCREMENT) {
    throw new CorruptVersionError(room, versionId, `its increment is stored in format ${stored.format}, which this Ortak does not know`)
  }
  try {
    return zlib.inflateRawSync(stored.bytes)
  } catch (error) {
    throw new CorruptVersionError(room, versionId,
      `its stored increment (${stored.bytes.byteLength} bytes, deflated) does not inflate: ${(error as Error).message}`)
  }
}

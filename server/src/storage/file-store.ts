/**
 * The files of rooms (the pictures in their documents), kept in the same
 * database as the documents. A file is stored once under the SHA-256 of
 * its bytes, however many rooms hold it: a picture pasted twice, or into
 * two documents, takes its bytes once. A room holds a file through a link;
 * deleting a room deletes its links, and the files no other room links to.
 *
 * The adapters' file parts are sqlite-files.ts and postgres-files.ts; each
 * storage adapter exposes its own as `Storage.files`, and deletes a room's
 * files in the transaction that deletes the room.
 */

/** A file's bytes and what they are. */
export interface StoredFile {
  /** The SHA-256 of `bytes`, as 64 lowercase hex digits: the file's name. */
  hash: string
  /** Media type, as sniffed from the bytes when the file was uploaded. */
  mediaType: string
  bytes: Uint8Array
}

/**
 * An upload refused because the files `room` links to would pass their limit. Nothing was stored or linked.
 * Answered 413.
 */
export class RoomFilesFullError extends Error {
  constructor(readonly room: string, readonly heldBytes: number, readonly fileBytes: number, readonly maxBytes: number) {
    super(`room "${room}" holds ${heldBytes} bytes of files; this one (${fileBytes} bytes) would take it past MAX_ROOM_FILE_BYTES (${maxBytes} bytes)`)
  }
}

export interface FileStore {
  /**
   * Stores the file unless it is stored already, and links it to `room`. Resolves once both are durable. With
   * `maxRoomBytes`, a file the room does not hold yet is refused (RoomFilesFullError) if the bytes of the files
   * it links to would pass it; the check and the link are one transaction, so uploads at once cannot pass it
   * together. A file the room holds already is taken again whatever the limit: it adds nothing.
   */
  putFile(room: string, file: StoredFile, maxRoomBytes?: number): Promise<void>
  /** The file named `hash` if `room` links to it; null if it does not (whatever other rooms hold). */
  getFile(room: string, hash: string): Promise<StoredFile | null>
  /** Whether `room` links to any file. */
  hasFiles(room: string): Promise<boolean>
}

/** Whether `hash` can name a file: 64 lowercase hex digits. */
export const isFileHash = (hash: string): boolean => /^[0-9a-f]{64}$/.test(hash)

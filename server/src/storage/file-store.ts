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

export interface FileStore {
  /** Stores the file unless it is stored already, and links it to `room`. Resolves once both are durable. */
  putFile(room: string, file: StoredFile): Promise<void>
  /** The file named `hash` if `room` links to it; null if it does not (whatever other rooms hold). */
  getFile(room: string, hash: string): Promise<StoredFile | null>
  /** Whether `room` links to any file. */
  hasFiles(room: string): Promise<boolean>
}

/** Whether `hash` can name a file: 64 lowercase hex digits. */
export const isFileHash = (hash: string): boolean => /^[0-9a-f]{64}$/.test(hash)

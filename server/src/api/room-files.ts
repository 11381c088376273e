/**
 * Uploads of pictures into a room, and reading them back. What a file is
 * comes from its bytes alone (file-type reads their signature), never from
 * its name or the request's Content-Type: a PNG named `.jpg` is stored as a
 * PNG, an HTML page named `.png` is refused. Only raster images that cannot
 * run code are taken; SVG is refused because it can carry script.
 */
import { createHash } from 'node:crypto'
import type { FileStore, StoredFile } from '../storage/file-store.js'

/** The media types an upload may have. */
export const acceptedImageTypes: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp']

/** An upload whose bytes are not an accepted image; the message says what they are. Answered 415. */
export class UnsupportedFileError extends Error {}

/** The address of a file of a room, as the document holds it: relative, so a document moves with its server. */
export const fileUrl = (room: string, hash: string) => `/api/rooms/${encodeURIComponent(room)}/files/${hash}`

// An SVG is XML text, which file-type does not name: its root element, near the start, tells it.
const SVG_SNIFF_BYTES = 4096
const svgRoot = /<svg[\s>/]/i

export class RoomFiles {
  /** `maxRoomBytes`: the most bytes of files one room may hold (every file once, however often it was uploaded). */
  constructor(private readonly files: FileStore, private readonly maxRoomBytes = Number.POSITIVE_INFINITY) {}

  /**
   * Stores `bytes` as a file of `room` if they are an accepted image; throws UnsupportedFileError otherwise,
   * and RoomFilesFullError (file-store.ts) if the room's files would pass their limit.
   */
  async upload(room: string, bytes: Uint8Array): Promise<StoredFile> {
    const file = { hash: createHash('sha256').update(bytes).digest('hex'), mediaType: await imageTypeOf(bytes), bytes }
    await this.files.putFile(room, file, this.maxRoomBytes)
    return file
  }

  /** The file `hash` of `room`, or null if the room holds no such file. */
  read(room: string, hash: string): Promise<StoredFile | null> {
    return this.files.getFile(room, hash)
  }
}

async function imageTypeOf(bytes: Uint8Array): Promise<string> {
  // Read with the first upload: a server that never stores a picture does not load it.
  const { fileTypeFromBuffer } = await import('file-type')
  const detected = await fileTypeFromBuffer(bytes)
  if (detected && acceptedImageTypes.includes(detected.mime)) return detected.mime
  if (svgRoot.test(new TextDecoder().decode(bytes.subarray(0, SVG_SNIFF_BYTES)))) {
    throw new UnsupportedFileError('SVG images are refused, as an SVG can carry script: upload a PNG, JPEG, GIF or WebP image')
  }
  const what = detected ? `the file is ${detected.mime}` : 'the file is of no type Ortak recognises from its bytes'
  throw new UnsupportedFileError(`${what}: upload a PNG, JPEG, GIF or WebP image`)
}

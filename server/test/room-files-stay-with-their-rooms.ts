/**
 * The part of the Storage contract about files: the same tests for every
 * adapter, run by each adapter's contract test against its own storage.
 */
import { expect, it } from 'vitest'
import { RoomFilesFullError, type StoredFile } from '../src/storage/file-store.js'
import type { Storage } from '../src/storage/storage.js'
import { textUpdate } from './security-helpers.js'
import { gif, jpeg, png, sha256, webp } from './pictures.js'

const fileOf = (bytes: Uint8Array, mediaType: string): StoredFile => ({ hash: sha256(bytes), mediaType, bytes })

/**
 * Declares the tests; `storage` gives each the adapter to test, and `storedFiles` how many files (not links)
 * its database holds. The rooms named here are not used otherwise.
 */
export function itKeepsFilesWithTheirRooms(storage: () => Storage, storedFiles: () => Promise<number>): void {
  it('keeps a room\'s files within their limit, even for uploads at once, and takes again a file the room holds', async () => {
    const s = storage()
    // Five different pictures of 1 KiB each (a PNG with bytes after its end is still a PNG), for a limit of two.
    const pictures = Array.from({ length: 5 }, (_, i) => {
      const bytes = new Uint8Array(1024)
      bytes.set(png)
      bytes[1023] = i
      return fileOf(bytes, 'image/png')
    })
    const limit = 2 * 1024
    const results = await Promise.allSettled(pictures.map((picture) => s.files.putFile('quota', picture, limit)))
    const stored = pictures.filter((_, i) => results[i]!.status === 'fulfilled')
    expect(stored).toHaveLength(2)
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue
      expect(result.reason).toBeInstanceOf(RoomFilesFullError)
      expect((result.reason as Error).message).toBe(
        'room "quota" holds 2048 bytes of files; this one (1024 bytes) would take it past MAX_ROOM_FILE_BYTES (2048 bytes)')
      // Refused means nothing of it is linked to the room.
      expect(await s.files.getFile('quota', pictures[i]!.hash)).toBeNull()
    }
    // A file the room holds already adds nothing, and is taken again; another room has a limit of its own.
    await s.files.putFile('quota', stored[0]!, limit)
    await s.files.putFile('quota-other', pictures.find((p) => !stored.includes(p))!, limit)
    for (const picture of stored) expect(await s.files.getFile('quota', picture.hash)).toMatchObject({ mediaType: 'image/png' })
  })

  it('stores a file once however many rooms and uploads hold it, and gives it only to a room that holds it', async () => {
    const s = storage()
    const before = await storedFiles()
    const picture = fileOf(png, 'image/png')
    await s.files.putFile('album-a', picture)
    await s.files.putFile('album-a', picture)
    await s.files.putFile('album-b', picture)
    expect(await storedFiles()).toBe(before + 1)
    // The same picture pasted in several places at once.
    await Promise.all(['album-a', 'album-b', 'album-d', 'album-d'].map((room) => s.files.putFile(room, picture)))
    expect(await storedFiles()).toBe(before + 1)
    const read = await s.files.getFile('album-b', picture.hash)
    expect(read).toMatchObject({ hash: picture.hash, mediaType: 'image/png' })
    expect(Buffer.from(read!.bytes).equals(Buffer.from(png))).toBe(true)
    expect(await s.files.getFile('album-c', picture.hash)).toBeNull()
    expect(await s.files.hasFiles('album-a')).toBe(true)
    expect(await s.files.hasFiles('album-c')).toBe(false)
  })

  it('deletes a room\'s files with the room, but not those another room holds', async () => {
    const s = storage()
    const before = await storedFiles()
    const shared = fileOf(jpeg, 'image/jpeg')
    const own = fileOf(webp, 'image/webp')
    await s.append([{ room: 'trip', update: textUpdate('notes'), generation: 0 }])
    await s.files.putFile('trip', shared)
    await s.files.putFile('trip', own)
    await s.files.putFile('trip-copy', shared)
    expect(await storedFiles()).toBe(before + 2)
    await s.delete('trip')
    expect(await s.files.getFile('trip', shared.hash)).toBeNull()
    expect(await s.files.getFile('trip', own.hash)).toBeNull()
    expect(await s.files.hasFiles('trip')).toBe(false)
    expect(await storedFiles()).toBe(before + 1)
    expect(await s.files.getFile('trip-copy', shared.hash)).toMatchObject({ mediaType: 'image/jpeg' })
    // A room holding only files is deleted the same way.
    await s.delete('trip-copy')
    expect(await storedFiles()).toBe(before)
    // The room made anew under the name may hold the same picture again.
    await s.files.putFile('trip', shared)
    expect(await s.files.getFile('trip', shared.hash)).toMatchObject({ mediaType: 'image/jpeg' })
    await s.delete('trip')
  })

  it('keeps a file uploaded to one room while another room holding it is deleted', async () => {
    const s = storage()
    const picture = fileOf(gif, 'image/gif')
    for (let round = 0; round < 20; round++) {
      await s.files.putFile('leaving', picture)
      await Promise.all([s.delete('leaving'), s.files.putFile('staying', picture)])
      expect(await s.files.getFile('staying', picture.hash), `round ${round}`).toMatchObject({ mediaType: 'image/gif' })
      await s.delete('staying')
    }
  })
}

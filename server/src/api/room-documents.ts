/**
 * Documents as a whole, for callers that are not editors: list, export,
 * seed or replace, apply an update, delete. Writes go through the room
 * (loaded if needed) like any client's update: applied, stored, then
 * broadcast to the editors connected to it. Reads come from storage, so
 * an export never shows a change before it is stored.
 */
import type { Node } from 'prosemirror-model'
import type * as Y from 'yjs'
import { MalformedFrame } from '../protocol/reader.js'
import { checkUpdate } from '../protocol/update-guard.js'
import type { RoomRegistry } from '../rooms/registry.js'
import type { Storage } from '../storage/storage.js'
import { DocumentInputError } from '../documents/formats.js'
import { yDocFromUpdates } from '../documents/replica-doc.js'
import { isBlankDocument, readDocument, replacementUpdate, unknownContentOf } from '../documents/yjs-document.js'

export interface RoomSummary {
  name: string
  /** Bytes stored: snapshot plus update log. */
  bytes: number
  /** Updates in the log since the last compaction. */
  updates: number
  /** Time of the last stored change (ISO 8601). */
  updatedAt: string
  /** WebSocket clients connected to the room on this server. */
  clients: number
}

/** `seed` writes only into a blank document; `replace` overwrites whatever is there. */
export type WriteMode = 'seed' | 'replace'

export interface WriteResult {
  /** False when the document already was exactly the given one. */
  changed: boolean
  /** Size of the Yjs update that made the change. */
  updateBytes: number
}

/** Seeding a document that already has content: writing would duplicate or lose it. */
export class DocumentConflictError extends Error {}

export class RoomDocuments {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly storage: Storage,
  ) {}

  /** Every stored room, by name. */
  async list(): Promise<RoomSummary[]> {
    const rooms = await this.storage.list()
    return rooms.map((room) => ({
      name: room.name,
      bytes: room.bytes,
      updates: room.logCount,
      updatedAt: new Date(room.updatedAt).toISOString(),
      clients: this.registry.get(room.name)?.connections.size ?? 0,
    }))
  }

  /** The stored state of a room as a Y.Doc, or null if nothing is stored under that name. */
  async read(room: string): Promise<Y.Doc | null> {
    const { updates } = await this.storage.load(room)
    return updates.length === 0 ? null : yDocFromUpdates(updates)
  }

  /**
   * Makes the room's document `doc`, as one Yjs update that connected
   * editors receive live. In `seed` mode a document with content is left
   * alone and DocumentConflictError is thrown.
   */
  async write(room: string, doc: Node, mode: WriteMode): Promise<WriteResult> {
    return this.registry.withRoom(room, async (loaded) => {
      // Read, diff and apply in one turn: no other update can land in between.
      if (mode === 'seed') {
        // The diff would delete what the schema does not know: only a replacement may do that.
        const unknown = unknownContentOf(loaded.doc)
        if (unknown) {
          throw new DocumentConflictError(`room "${room}" holds content its schema does not know (${unknown}): seeding would delete it; use ?mode=replace to overwrite it`)
        }
        if (!isBlankDocument(readDocument(loaded.doc))) {
          throw new DocumentConflictError(`room "${room}" already has content: seeding it would duplicate it; use ?mode=replace to overwrite it`)
        }
      }
      const update = replacementUpdate(loaded.doc, doc)
      if (!update) return { changed: false, updateBytes: 0 }
      // Made here from the room's own document: it depends on nothing the room lacks.
      await loaded.applyUpdate(update, null)
      return { changed: true, updateBytes: update.byteLength }
    })
  }

  /** Applies a Yjs update (encoding v1) from another Yjs tool; throws DocumentInputError if it is malformed. */
  async applyUpdate(room: string, update: Uint8Array): Promise<void> {
    await this.registry.withRoom(room, (loaded) => {
      // Checked against the loaded room, as a connection's frames are: its clocks tell what the update may wait for.
      let missing
      try {
        missing = checkUpdate(update, loaded.held)
      } catch (error) {
        if (error instanceof MalformedFrame) throw new DocumentInputError(`update could not be decoded: ${error.message}`)
        throw error
      }
      return loaded.applyUpdate(update, missing)
    })
  }

  /** Deletes the room from storage, with its files, and closes its connections; resolves with how many, or null if no such room. */
  async delete(room: string): Promise<number | null> {
    // A room may hold files before its document holds anything: the editor uploads a picture, then inserts it.
    const isStored = (await this.storage.load(room)).updates.length > 0 || await this.storage.files.hasFiles(room)
    if (!isStored && !this.registry.get(room)) return null
    return this.registry.deleteRoom(room)
  }
}

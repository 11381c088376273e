/**
 * A room's version history for callers that are not editors: list, read a
 * version, save a named one, restore one. Saving and restoring go through
 * the loaded room, so what they record is what its editors see; a restore
 * is one Yjs change through the room's update path, stored before anyone
 * receives it.
 */
import type * as Y from 'yjs'
import { describeUnreadable, readDocument, replacementUpdate } from '../documents/yjs-document.js'
import { UnrenderableDocumentError } from '../documents/formats.js'
import { openVersion, versionUpdate } from '../history/version-documents.js'
import type { RoomRegistry } from '../rooms/registry.js'
import type { Room } from '../rooms/room.js'
import type { Storage } from '../storage/storage.js'
import type { VersionAuthor, VersionInfo, VersionPage, VersionStore } from '../storage/versions.js'

/** A version as the API lists it: without its room, its time as ISO 8601. */
export type ListedVersion = Omit<VersionInfo, 'room' | 'createdAt'> & { createdAt: string }

export function listedVersion({ room: _room, createdAt, ...version }: VersionInfo): ListedVersion {
  return { ...version, createdAt: new Date(createdAt).toISOString() }
}

/** The room or version asked for does not exist; the message says which. */
export class VersionNotFoundError extends Error {}

export interface RestoreResult {
  /** The version the restore recorded ("restored from ..."). */
  version: VersionInfo
  /** False when the document already equalled the version. */
  changed: boolean
  updateBytes: number
}

export class RoomVersions {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly storage: Storage,
    private readonly store: VersionStore,
  ) {}

  async list(room: string, limit: number, before?: number): Promise<VersionPage> {
    const page = await this.store.list(room, limit, before)
    if (page.versions.length === 0 && before === undefined) await this.mustExist(room)
    return page
  }

  async get(room: string, id: number): Promise<VersionInfo> {
    const version = await this.store.get(room, id)
    if (!version) throw await this.notFound(room, id)
    return version
  }

  /** Version `id` rebuilt as a Y.Doc keeping its deleted content; the caller destroys it. */
  async open(room: string, id: number): Promise<Y.Doc> {
    const doc = await openVersion(this.store, room, id)
    if (!doc) throw await this.notFound(room, id)
    return doc
  }

  /**
   * Version `id` as one Yjs update holding every change up to it, deleted
   * content included; given `since`, an earlier version, only the changes
   * from that version to this one.
   */
  async update(room: string, id: number, since?: number): Promise<Uint8Array> {
    if (since !== undefined && !(await this.store.get(room, since))) throw await this.notFound(room, since)
    const update = await versionUpdate(this.store, room, id, since)
    if (!update) throw await this.notFound(room, id)
    return update
  }

  /** Records a named version of the room as it is now. */
  async save(room: string, name: string, by: VersionAuthor): Promise<VersionInfo> {
    return this.withHistory(room, (loaded, history) => {
      // A room loaded with nothing in it has nothing stored: there is nothing to name.
      if (loaded.doc.store.clients.size === 0) throw new VersionNotFoundError(`no document is stored for room "${room}"`)
      return history.save('named', name, by, null)
    })
  }

  /**
   * Makes the live document equal to version `id`, as one change every
   * editor receives at once, and records that as a version. Edits an
   * offline editor sends afterwards merge on top of it, as any other.
   */
  async restore(room: string, id: number, by: VersionAuthor): Promise<RestoreResult> {
    const target = await this.get(room, id)
    const doc = await this.open(room, id)
    let content
    try {
      // The diff below would delete what the schema cannot show: such a version is not restored.
      const unreadable = describeUnreadable(doc)
      if (unreadable) throw new UnrenderableDocumentError(`cannot restore version ${id}: ${unreadable}`)
      content = readDocument(doc)
    } finally {
      doc.destroy()
    }
    return this.withHistory(room, async (loaded, history) => {
      // Diffed against the document as it is in this turn, so the change depends on nothing the room lacks.
      const update = replacementUpdate(loaded.doc, content)
      if (update) await loaded.applyUpdate(update, null, by)
      const version = await history.save('restore', `restored from ${describe(target)}`, by, id)
      return { version, changed: update !== null, updateBytes: update?.byteLength ?? 0 }
    })
  }

  private withHistory<T>(room: string, work: (loaded: Room, history: NonNullable<Room['history']>) => Promise<T>): Promise<T> {
    return this.registry.withRoom(room, (loaded) => {
      if (!loaded.history) throw new Error(`room "${room}" keeps no history`)
      return work(loaded, loaded.history)
    })
  }

  private async mustExist(room: string): Promise<void> {
    if ((await this.storage.load(room)).updates.length === 0) throw new VersionNotFoundError(`no document is stored for room "${room}"`)
  }

  private async notFound(room: string, id: number): Promise<VersionNotFoundError> {
    await this.mustExist(room)
    return new VersionNotFoundError(`room "${room}" has no version ${id}`)
  }
}

function describe(version: VersionInfo): string {
  const when = new Date(version.createdAt).toISOString()
  return version.kind === 'named' && version.name ? `"${version.name}" (version ${version.id}, ${when})` : `version ${version.id} (${when})`
}

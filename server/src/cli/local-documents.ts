/**
 * Documents opened straight from storage by the command line, through the
 * same rooms the server uses: an import is applied, stored and (had anyone
 * been connected) broadcast exactly as over HTTP.
 */
import type { Logger } from 'pino'
import { CLOSE_SERVICE_RESTART } from '@ortak/protocol'
import { RoomDocuments } from '../api/room-documents.js'
import { RoomVersions } from '../api/room-versions.js'
import type { Config } from '../config.js'
import { RoomRegistry } from '../rooms/registry.js'
import type { Storage } from '../storage/storage.js'
import { CommandFailure, openStorage, type CommandIo, type StorageSelection } from './command.js'
import { WriteBatcher } from '../storage/write-batcher.js'

/**
 * Runs `work` on the stored documents (and their version history, where
 * the storage keeps one), then stores what is pending and closes the storage.
 */
export async function withLocalDocuments<T>(
  storage: Storage, config: Config, log: Logger, work: (documents: RoomDocuments, versions: RoomVersions | null) => Promise<T>,
): Promise<T> {
  const { versionStoreOf } = await import('../server.js')
  const store = versionStoreOf(storage)
  // VERSION_HISTORY=off holds for the command line as for the server: an import records no version (the
  // versions stored before stay readable).
  const records = store !== null && config.versionHistory === 'on'
  const batcher = new WriteBatcher(storage)
  const registry = new RoomRegistry(storage, batcher, {
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
    maxDocumentBytes: config.maxDocumentBytes,
    // Rooms stay loaded until closeAll below: nothing unloads (and compacts) behind the command's back.
    unloadGraceMs: 60_000,
    ...(records ? {
      history: { store, idleMs: config.versionIdleMs, maxIntervalMs: config.versionMaxIntervalMs, retention: config.versionRetention },
    } : {}),
  }, log)
  try {
    return await work(new RoomDocuments(registry, storage), store ? new RoomVersions(registry, storage, store) : null)
  } finally {
    await registry.closeAll(CLOSE_SERVICE_RESTART, 'command finished')
    await batcher.destroy()
    await storage.close()
  }
}

/**
 * Opens the storage the options name and runs `work` on its version
 * history; fails if it keeps none, or, for `work` that records a version
 * (`records`), if history is off.
 */
export async function withLocalHistory<T>(
  selection: StorageSelection, io: CommandIo, work: (versions: RoomVersions) => Promise<T>, { records = false } = {},
): Promise<T> {
  const { storage, config, log } = await openStorage(selection, io)
  return withLocalDocuments(storage, config, log, async (_documents, versions) => {
    if (!versions) throw new CommandFailure('this storage keeps no version history')
    if (records && config.versionHistory === 'off') throw new CommandFailure('version history is off (VERSION_HISTORY=off): nothing may record a version')
    return work(versions)
  })
}

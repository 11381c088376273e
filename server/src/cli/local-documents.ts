/**
 * Documents opened straight from storage by the command line, through the
 * same rooms the server uses: an import is applied, stored and (had anyone
 * been connected) broadcast exactly as over HTTP.
 */
import type { Logger } from 'pino'
import { CLOSE_SERVICE_RESTART } from '@ortak/protocol'
import { RoomDocuments } from '../api/room-documents.js'
import type { Config } from '../config.js'
import { RoomRegistry } from '../rooms/registry.js'
import type { Storage } from '../storage/storage.js'
import { WriteBatcher } from '../storage/write-batcher.js'

/** Runs `work` on the stored documents, then stores what is pending and closes the storage. */
export async function withLocalDocuments<T>(storage: Storage, config: Config, log: Logger, work: (documents: RoomDocuments) => Promise<T>): Promise<T> {
  const batcher = new WriteBatcher(storage)
  const registry = new RoomRegistry(storage, batcher, {
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
    maxDocumentBytes: config.maxDocumentBytes,
    // Rooms stay loaded until closeAll below: nothing unloads (and compacts) behind the command's back.
    unloadGraceMs: 60_000,
  }, log)
  try {
    return await work(new RoomDocuments(registry, storage))
  } finally {
    await registry.closeAll(CLOSE_SERVICE_RESTART, 'command finished')
    await batcher.destroy()
    await storage.close()
  }
}

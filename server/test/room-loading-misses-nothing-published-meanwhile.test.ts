import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { defaultConfig } from '../src/config.js'
import { createOrtakServer, type OrtakServer } from '../src/server.js'
import { PostgresStorage } from '../src/storage/postgres.js'
import type { AppendEntry, LoadedRoom, Storage, StoredRoomInfo } from '../src/storage/storage.js'
import { connectClient, startServer, synced, tempDir, waitFor, type TestClient, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, TEST_REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

const services = await probeScaleOutServices('room-loading-misses-nothing-published-meanwhile')

/**
 * Real PostgreSQL storage whose loads, once they have read the database,
 * wait for the test to let them finish: the window between "read from
 * storage" and "room ready" becomes as wide as the test needs.
 */
class LoadsHeldAfterReading implements Storage {
  readonly files: Storage['files']
  readonly hasRead: Promise<void>
  private markRead!: () => void
  private release!: () => void
  private readonly released = new Promise<void>((resolve) => { this.release = resolve })

  constructor(private readonly inner: PostgresStorage) {
    this.files = inner.files
    this.hasRead = new Promise((resolve) => { this.markRead = resolve })
  }

  finishLoads(): void {
    this.release()
  }

  async load(room: string): Promise<LoadedRoom> {
    const loaded = await this.inner.load(room)
    this.markRead()
    await this.released
    return loaded
  }

  append(entries: readonly AppendEntry[]): Promise<number[]> { return this.inner.append(entries) }
  compact(room: string, snapshot: Uint8Array, throughSeq: number, generation: number): Promise<void> { return this.inner.compact(room, snapshot, throughSeq, generation) }
  list(): Promise<StoredRoomInfo[]> { return this.inner.list() }
  delete(room: string): Promise<number> { return this.inner.delete(room) }
  close(): Promise<void> { return this.inner.close() }
}

describe.skipIf(!services.isAvailable)('an instance loading a room while another instance writes to it', () => {
  let db: TestDatabase
  let writerServer: TestServer
  let loadingServer: OrtakServer
  let storage: LoadsHeldAfterReading
  let wsUrl: string
  const clients: TestClient[] = []

  beforeAll(async () => {
    db = await createTestDatabase()
    const shared = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: uniqueRedisPrefix() }
    writerServer = await startServer(shared)
    const dataDir = tempDir()
    storage = new LoadsHeldAfterReading(new PostgresStorage({ connectionString: db.url }))
    loadingServer = createOrtakServer(defaultConfig({ port: 0, dataDir, editorDir: path.join(dataDir, 'none'), ...shared }), pino({ level: 'silent' }), storage)
    const { port } = await loadingServer.listen()
    wsUrl = `ws://127.0.0.1:${port}/ws`
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    storage?.finishLoads()
    await loadingServer?.close()
    await writerServer?.close()
    await db?.drop()
  })

  it('gets the updates stored after its read of PostgreSQL, through Redis', async () => {
    const room = 'late-join'
    const writer = connectClient(writerServer.wsUrl, room)
    clients.push(writer)
    await synced(writer)
    writer.doc.getArray<string>('items').push(['before'])
    await waitFor('"before" stored', () => !writerServer.server.registry.get(room)!.hasUnstoredWrites)

    const reader = connectClient(wsUrl, room)
    clients.push(reader)
    await storage.hasRead
    // Stored and published after the loading instance read the database, before its load finished.
    writer.doc.getArray<string>('items').push(['during'])
    const loadingRoom = loadingServer.registry.get(room)!
    expect(loadingRoom.isReady).toBe(false)
    await waitFor('"during" to reach the loading room through Redis', () =>
      loadingRoom.doc.getArray<string>('items').toArray().includes('during'), 5_000)

    storage.finishLoads()
    await synced(reader)
    expect(reader.doc.getArray<string>('items').toArray().sort()).toEqual(['before', 'during'])
    writer.doc.getArray<string>('items').push(['after'])
    await waitFor('"after" reaches the reader', () => reader.doc.getArray('items').length === 3)
  })
})

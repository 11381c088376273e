import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { connectClient, synced, testWithServer, waitFor } from './helpers.js'
import { providerClosed } from './security-helpers.js'

const test = testWithServer({ maxDocumentBytes: 4096 })

describe('the document size limit', () => {
  test('refuses with 4413 an update that would pass it; what was stored before stays, the refused update is nowhere', async ({ server, clients }) => {
    const writer = connectClient(server.wsUrl, 'capped')
    const watcher = connectClient(server.wsUrl, 'capped')
    clients.push(writer, watcher)
    await Promise.all([synced(writer), synced(watcher)])
    writer.doc.getText('t').insert(0, 'a'.repeat(2000))
    await waitFor('the first edit arrives', () => watcher.doc.getText('t').length === 2000)
    const closed = providerClosed(writer)
    writer.doc.getText('t').insert(0, 'b'.repeat(3000))
    expect(await closed).toEqual({ code: 4413, reason: 'document size limit: this update would take it past 4096 bytes' })
    await new Promise((r) => setTimeout(r, 100))
    expect(watcher.doc.getText('t').toString()).toBe('a'.repeat(2000))
    expect(server.logs.filter((l) => l.code === 4413)).toEqual([expect.objectContaining({ room: 'capped' })])
    await server.close()
    const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
    const doc = new Y.Doc()
    for (const update of (await storage.load('capped')).updates) Y.applyUpdate(doc, update)
    await storage.close()
    expect(doc.getText('t').toString()).toBe('a'.repeat(2000))
  })

  test('counts what is already stored when a room is loaded', async ({ server, clients }) => {
    const writer = connectClient(server.wsUrl, 'reloaded')
    clients.push(writer)
    await synced(writer)
    writer.doc.getText('t').insert(0, 'a'.repeat(3000))
    await waitFor('stored', () => !server.server.registry.get('reloaded')!.hasUnstoredWrites)
    writer.destroy()
    await waitFor('the writer left', () => server.server.registry.get('reloaded')!.connections.size === 0)
    await server.server.registry.unload(server.server.registry.get('reloaded')!)
    expect(server.server.registry.get('reloaded')).toBeUndefined()
    const late = connectClient(server.wsUrl, 'reloaded')
    clients.push(late)
    await synced(late)
    const closed = providerClosed(late)
    late.doc.getText('t').insert(0, 'c'.repeat(1500))
    expect((await closed).code).toBe(4413)
  })
})

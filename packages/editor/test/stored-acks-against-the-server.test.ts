/**
 * The stored-acknowledgement protocol end to end in Node: the editor's
 * ledger socket and message-100 handler on the stock y-websocket provider,
 * against a real Ortak server and its SQLite file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MESSAGE_STORED } from '@ortak/protocol'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { connectClient, startServer, synced, waitFor, type TestServer } from '../../../server/test/helpers.js'
import { SaveTracker } from '../src/save-tracker.js'
import { handleStoredAcks, ledgerWebSocket } from '../src/stored-acks.js'

describe('stored acknowledgements', () => {
  let server: TestServer
  const cleanups: Array<() => void> = []

  beforeEach(async () => {
    server = await startServer()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await server.close()
  })

  function ackingClient(room: string) {
    const doc = new Y.Doc()
    const tracker = new SaveTracker()
    let provider: WebsocketProvider | null = null
    doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin !== provider) tracker.localChange()
    })
    provider = new WebsocketProvider(server.wsUrl, room, doc, {
      WebSocketPolyfill: ledgerWebSocket(tracker, WebSocket as unknown as typeof globalThis.WebSocket),
      params: { ack: '1' },
      disableBc: true,
    })
    handleStoredAcks(provider)
    const client = {
      doc, provider, tracker,
      destroy: () => {
        provider.destroy()
        doc.destroy()
      },
    }
    cleanups.push(client.destroy)
    return client
  }

  it('brings the unsaved count to zero only for changes the server has stored', async () => {
    const client = ackingClient('acked')
    await synced(client)
    const text = client.doc.getText('t')
    text.insert(0, 'one ')
    text.insert(4, 'two ')
    text.insert(8, 'three')
    expect(client.tracker.unsavedChanges).toBe(3)
    await waitFor('every change confirmed', () => client.tracker.unsavedChanges === 0)

    const stored = await server.server.storage.load('acked')
    const fromDisk = new Y.Doc()
    for (const update of stored.updates) Y.applyUpdate(fromDisk, update)
    expect(fromDisk.getText('t').toString()).toBe('one two three')
  })

  it('confirms offline changes through the sync step 2 of the next connection', async () => {
    const client = ackingClient('reconnected')
    await synced(client)
    client.provider.disconnect()
    client.doc.getText('t').insert(0, 'written offline')
    client.doc.getText('t').delete(0, 8)
    expect(client.tracker.unsavedChanges).toBe(2)
    client.provider.connect()
    await waitFor('the offline changes confirmed', () => client.tracker.unsavedChanges === 0)
    const stored = await server.server.storage.load('reconnected')
    const fromDisk = new Y.Doc()
    for (const update of stored.updates) Y.applyUpdate(fromDisk, update)
    expect(fromDisk.getText('t').toString()).toBe('offline')
  })

  it('never sends message 100 to a plain y-websocket client that did not ask', async () => {
    const plain = connectClient(server.wsUrl, 'plain')
    cleanups.push(() => plain.destroy())
    await synced(plain)
    const firstBytes: number[] = []
    plain.provider.ws!.addEventListener('message', (event: MessageEvent) => firstBytes.push(new Uint8Array(event.data as ArrayBuffer)[0]!))
    const acking = ackingClient('plain')
    await synced(acking)
    plain.doc.getText('t').insert(0, 'plain words')
    acking.doc.getText('t').insert(0, 'acked words ')
    await waitFor('both edits everywhere', () => plain.doc.getText('t').length === 23 && acking.tracker.unsavedChanges === 0)
    expect(firstBytes.length).toBeGreaterThan(0)
    expect(firstBytes).not.toContain(MESSAGE_STORED)
  })
})

/**
 * The bench's raw protocol client speaks Hocuspocus's framing of its own
 * (bench/lib/wire.ts). Against a real Hocuspocus process, as the bench
 * starts it, it must really sync: receive what a stock @hocuspocus/provider
 * client types, have what it sends reach that client, stay in its own
 * document, and load what the server stored once it is restarted. Without
 * this, a broken framing would leave the bench's Hocuspocus figures
 * measuring a server that ignores every frame.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ProtocolClient } from '../../bench/lib/protocol-client.js'
import { type RoomProvider, connectProvider, whenSynced } from '../../bench/lib/providers.js'
import { type ServerHandle, startServer } from '../../bench/lib/servers.js'
import { encodeUpdate } from '../src/protocol/messages.js'
import { tempDir, waitFor } from './helpers.js'

describe('the bench against a Hocuspocus server process', () => {
  const servers: ServerHandle[] = []
  const clients: ProtocolClient[] = []
  const providers: RoomProvider[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    for (const provider of providers.splice(0)) provider.destroy()
    for (const server of servers.splice(0)) await server.stop()
  })

  /** A raw client of `room` that applies every document message it receives to its own Y.Doc. */
  const rawClient = (server: ServerHandle, room: string) => {
    const client = new ProtocolClient(server.roomUrl(room), server.wire)
    clients.push(client)
    const doc = new Y.Doc()
    const kinds: number[] = []
    client.onDocMessage = ({ syncType, update }) => {
      kinds.push(syncType)
      Y.applyUpdate(doc, update)
    }
    return { client, doc, kinds }
  }
  const synced = (client: ProtocolClient) => waitFor('the raw client has the server\'s sync step 2', () => client.isSynced)

  it('syncs a raw client with a stock provider both ways, room by room, and loads the stored document after a restart', async () => {
    const dataDir = tempDir('ortak-bench-hocuspocus-')
    const server = await startServer('hocuspocus', { dataDir })
    servers.push(server)
    expect(server.wire).toBe('hocuspocus')

    const raw = rawClient(server, 'room a')
    await synced(raw.client)
    // The server's answer to the raw client's sync step 1 is a sync step 2 (the room is new: nothing in it).
    expect(raw.kinds[0]).toBe(1)

    const stockDoc = new Y.Doc()
    const stock = connectProvider('hocuspocus', { url: server.providerUrl, room: 'room a', doc: stockDoc })
    providers.push(stock)
    await whenSynced(stock)

    // Stock provider -> raw client.
    stockDoc.getText('t').insert(0, 'typed in the stock provider; ')
    await waitFor('the raw client has the stock provider\'s text', () => raw.doc.getText('t').toString() === 'typed in the stock provider; ')
    expect(raw.kinds).toContain(2)

    // Raw client -> stock provider, as a pre-encoded update frame like the trace writer's.
    const writer = new Y.Doc()
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(raw.doc))
    const before = Y.encodeStateVector(writer)
    writer.getText('t').insert(writer.getText('t').length, 'sent by the raw client')
    const expected = 'typed in the stock provider; sent by the raw client'
    await raw.client.sendAll([raw.client.framing.wrap(encodeUpdate(Y.encodeStateAsUpdate(writer, before)))])
    await waitFor('the stock provider has the raw client\'s text', () => stockDoc.getText('t').toString() === expected)

    // Another room on the same server holds nothing of the first: the framing addresses the room.
    const other = rawClient(server, 'room b')
    await synced(other.client)
    expect(other.doc.getText('t').toString()).toBe('')

    // A graceful stop stores the document; the restarted server sends it to a new raw client at once.
    for (const client of clients.splice(0)) client.close()
    for (const provider of providers.splice(0)) provider.destroy()
    await server.stop()
    servers.splice(0)
    const restarted = await startServer('hocuspocus', { dataDir })
    servers.push(restarted)
    const late = rawClient(restarted, 'room a')
    await synced(late.client)
    expect(late.doc.getText('t').toString()).toBe(expected)
    expect(late.client.isClosedByServer).toBe(false)
  })
})

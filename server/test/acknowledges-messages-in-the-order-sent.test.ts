import type { Socket } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MESSAGE_STORED } from '@ortak/protocol'
import { encodeSyncStep2, encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, startServer, waitFor, type TestServer } from './helpers.js'
import { textUpdate } from './security-helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
})

const storedCounts = (messages: Uint8Array[]) => messages.filter((m) => m[0] === MESSAGE_STORED).map((m) => m[1]!)

it('never acknowledges a later message while an earlier update of the same read is still being stored', async () => {
  server = await startServer()
  const client = await rawSocket(server.wsUrl, 'acks', { ack: '1' })
  // In one TCP segment: an update (a write), then an empty sync step 2 (nothing to store).
  const tcp = (client.ws as unknown as { _socket: Socket })._socket
  tcp.cork()
  client.ws.send(encodeUpdate(textUpdate('stored first')))
  client.ws.send(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())))
  tcp.uncork()
  await waitFor('both messages acknowledged', () => storedCounts(client.messages).includes(2))
  // "1 stored" before the update was would have claimed the update stored.
  expect(storedCounts(client.messages)).toEqual([2])
  client.ws.close()
})

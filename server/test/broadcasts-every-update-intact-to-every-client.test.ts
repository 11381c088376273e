import type { Socket } from 'node:net'
import { expect } from 'vitest'
import { MESSAGE_SYNC, SYNC_UPDATE } from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, testWithServer, waitFor } from './helpers.js'
import { textUpdate } from './security-helpers.js'

const test = testWithServer()

const updateMessages = (messages: Uint8Array[]) => messages.filter((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_UPDATE)

// A room frames each broadcast once for all its sockets (rooms/outgoing-frame.ts): every length of the
// WebSocket header (7, 16 and 64 bits) and both ways a frame is written, several to a socket in one turn.
test('sends every update, of any size, byte for byte and in order, to clients that did and did not offer compression', async ({ server }) => {
  const sender = await rawSocket(server.wsUrl, 'crowd')
  const offersCompression = await rawSocket(server.wsUrl, 'crowd', {}, { perMessageDeflate: true })
  const plain = await rawSocket(server.wsUrl, 'crowd', {}, { perMessageDeflate: false })
  const updates = [10, 200, 70_000, 3].map((length, i) => textUpdate(String.fromCharCode(97 + i).repeat(length)))
  // In one TCP segment, so the room broadcasts them in one turn.
  const tcp = (sender.ws as unknown as { _socket: Socket })._socket
  tcp.cork()
  for (const update of updates) sender.ws.send(encodeUpdate(update))
  tcp.uncork()
  const expected = updates.map((update) => Buffer.from(encodeUpdate(update)))
  for (const receiver of [offersCompression, plain]) {
    await waitFor('every update broadcast', () => updateMessages(receiver.messages).length === updates.length)
    expect(updateMessages(receiver.messages).map((m) => Buffer.from(m))).toEqual(expected)
    // The frames are the same bytes for every socket only because none is compressed.
    expect(receiver.ws.extensions).toBe('')
  }
  // The sender's own updates are not echoed back to it.
  expect(updateMessages(sender.messages)).toEqual([])
  for (const client of [sender, offersCompression, plain]) client.ws.close()
})

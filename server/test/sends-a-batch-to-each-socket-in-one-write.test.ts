import { Socket } from 'node:net'
import { expect, onTestFinished, vi } from 'vitest'
import { MESSAGE_SYNC, SYNC_UPDATE } from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, testWithServer, waitFor } from './helpers.js'
import { textUpdate } from './security-helpers.js'

const test = testWithServer()

const updateMessages = (messages: Uint8Array[]) => messages.filter((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_UPDATE)
const tcpOf = (ws: unknown) => (ws as { _socket: Socket })._socket

// A write batch of several updates goes to most sockets as several frames (connection.ts, holdFirstFramesThisTurn, when a batch holds several updates of one room):
// each socket is handed them in one write request, one system call, not the first alone and then the rest.
test('hands each socket the frames of one write batch in one write', async ({ server }) => {
  const sender = await rawSocket(server.wsUrl, 'batch')
  const receivers = [await rawSocket(server.wsUrl, 'batch'), await rawSocket(server.wsUrl, 'batch')]
  await waitFor('every client greeted', () => [sender, ...receivers].every((client) => client.messages.length > 0))
  // The server's ends of the receivers' sockets, told by the client's port they are connected to.
  const receiverPorts = new Set(receivers.map((receiver) => tcpOf(receiver.ws).localPort))
  const writesTo = new Map<number, number>()
  const count = (socket: Socket) => {
    if (socket.remotePort !== undefined && receiverPorts.has(socket.remotePort) && socket.localPort === server.port) {
      writesTo.set(socket.remotePort, (writesTo.get(socket.remotePort) ?? 0) + 1)
    }
  }
  const single = Socket.prototype._write
  const many = Socket.prototype._writev!
  const spies = [
    vi.spyOn(Socket.prototype, '_write').mockImplementation(function (this: Socket, ...args) {
      count(this)
      return single.apply(this, args)
    }),
    vi.spyOn(Socket.prototype, '_writev').mockImplementation(function (this: Socket, ...args) {
      count(this)
      return many.apply(this, args)
    }),
  ]
  onTestFinished(() => spies.forEach((spy) => spy.mockRestore()))

  const updates = ['one', 'two', 'three'].map((text) => textUpdate(text))
  // In one TCP segment, so the room applies and stores them as one batch.
  const tcp = tcpOf(sender.ws)
  tcp.cork()
  for (const update of updates) sender.ws.send(encodeUpdate(update))
  tcp.uncork()
  for (const receiver of receivers) {
    await waitFor('every update broadcast', () => updateMessages(receiver.messages).length === updates.length)
    expect(updateMessages(receiver.messages).map((m) => Buffer.from(m))).toEqual(updates.map((update) => Buffer.from(encodeUpdate(update))))
  }
  expect([...writesTo.values()]).toEqual([1, 1])
  for (const client of [sender, ...receivers]) client.ws.close()
})

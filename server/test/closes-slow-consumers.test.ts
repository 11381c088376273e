import { describe, expect } from 'vitest'
import { encodeUpdate } from '../src/protocol/messages.js'
import { connectClient, rawSocket, synced, testWithServer, waitFor } from './helpers.js'
import { textUpdate } from './security-helpers.js'

const LIMIT = 256 * 1024
const test = testWithServer({ maxBufferedBytes: LIMIT, maxBytesPerSecond: 64 * 1024 * 1024, heartbeatIntervalMs: 60_000 })

describe('a slow consumer', () => {
  test('is closed with 4508 once its send buffer passes the limit, while the others carry on', async ({ server, clients }) => {
    const writer = connectClient(server.wsUrl, 'room')
    const reader = connectClient(server.wsUrl, 'room')
    clients.push(writer, reader)
    await Promise.all([synced(writer), synced(reader)])
    const slow = await rawSocket(server.wsUrl, 'room')
    await waitFor('the slow client is in the room', () => server.server.registry.get('room')!.connections.size === 3)
    // It stops reading: what the server sends piles up in the kernel's buffers, then in the server's.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const chunk = 'x'.repeat(256 * 1024)
    const flood = await rawSocket(server.wsUrl, 'room')
    for (let i = 0; i < 80; i++) {
      flood.ws.send(encodeUpdate(textUpdate(chunk, `t${i}`)))
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20))
      if (server.logs.some((l) => l.code === 4508)) break
    }
    await waitFor('the slow consumer is closed', () => server.logs.some((l) => l.code === 4508), 15_000)
    const line = server.logs.find((l) => l.code === 4508)!
    expect(line).toMatchObject({ msg: 'closing connection: slow consumer', room: 'room', reason: `slow consumer: more than ${LIMIT} bytes waiting to be sent` })
    // Never more than the limit plus the one frame that crossed it.
    expect(line.bufferedBytes as number).toBeLessThanOrEqual(LIMIT + 300 * 1024)
    // Once it reads again it finds the close frame behind what was queued, and leaves the room.
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    expect((await slow.closed).code).toBe(4508)
    await waitFor('the slow consumer left the room', () => server.server.registry.get('room')!.connections.size === 3)
    writer.doc.getText('t').insert(0, 'after')
    await waitFor('the reader still gets edits', () => reader.doc.getText('t').toString() === 'after')
    flood.ws.close()
  })
})

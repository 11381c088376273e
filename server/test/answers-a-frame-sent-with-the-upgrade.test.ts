import net from 'node:net'
import crypto from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, SYNC_STEP_2 } from '@ortak/protocol'
import { encodeSyncStep1 } from '../src/protocol/messages.js'
import { startServer, waitFor, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
})

/** A client-to-server WebSocket binary frame (masked, as RFC 6455 requires of clients) of under 126 bytes. */
function maskedFrame(payload: Uint8Array): Buffer {
  const mask = crypto.randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))
  // 0x82: FIN and the binary opcode; 0x80: the mask bit, with the payload length in the low 7 bits.
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked])
}

it('handles frames that arrive in the same packet as the upgrade request, before the connection is open', async () => {
  server = await startServer()
  const socket = net.connect(server.port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  let received = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]) })
  const request = [
    'GET /ws/early-room HTTP/1.1', `Host: 127.0.0.1:${server.port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', '',
  ].join('\r\n')
  const syncStep1 = encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))
  // One write: the upgrade, then sync step 1 (empty state vector) and query-awareness.
  socket.write(Buffer.concat([Buffer.from(request), maskedFrame(syncStep1), maskedFrame(Uint8Array.of(MESSAGE_QUERY_AWARENESS))]))
  // The answer to the sync step 1 is a sync step 2 frame: [0x82][length][MESSAGE_SYNC][SYNC_STEP_2]...
  await waitFor('a sync step 2 answer after the 101', () => {
    const body = received.subarray(received.indexOf('\r\n\r\n') + 4)
    for (let at = 0; at + 3 < body.length; at += 2 + body[at + 1]!) {
      if (body[at + 2] === MESSAGE_SYNC && body[at + 3] === SYNC_STEP_2) return true
    }
    return false
  })
  expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101/)
  socket.destroy()
})

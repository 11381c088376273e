/**
 * A client that opens a TCP connection and sends its request headers a
 * byte at a time (slowloris) holds a socket for as long as the server
 * waits. The server waits HEADERS_TIMEOUT_MS, then answers 408 and closes.
 */
import net from 'node:net'
import { describe, expect } from 'vitest'
import { testWithServer } from './helpers.js'

const HEADERS_TIMEOUT_MS = 500
const test = testWithServer({ headersTimeoutMs: HEADERS_TIMEOUT_MS })

/** Opens a socket, sends the start of a WebSocket upgrade and then nothing; resolves with what came back once it closed. */
function trickle(port: number): Promise<{ answer: string; openMs: number }> {
  return new Promise((resolve, reject) => {
    const opened = Date.now()
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET /ws/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n')
    })
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => resolve({ answer, openMs: Date.now() - opened }))
    // Node's own default would keep it for a minute: fail well before that.
    setTimeout(() => socket.destroy(new Error('still open after 15 s')), 15_000).unref()
  })
}

describe('a client that never finishes its headers', () => {
  test('is answered 408 and disconnected once the headers timeout passes, while others are served', async ({ server }) => {
    const slow = trickle(server.port)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const { answer, openMs } = await slow
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(openMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50)
  })
})

import { describe, expect, it } from 'vitest'
import { CLOSE_RATE_LIMITED, MESSAGE_QUERY_AWARENESS } from '@ortak/protocol'
import { connectClient, rawSocket, startServer, synced, testWithServer, waitFor } from './helpers.js'
import { awarenessFrame, statesSeenBy } from './security-helpers.js'

const INTERVAL_MS = 200
const test = testWithServer({ heartbeatIntervalMs: INTERVAL_MS })

describe('the heartbeat', () => {
  test('terminates a connection that stops answering pings and removes its cursor within two intervals', async ({ server, clients }) => {
    const watcher = connectClient(server.wsUrl, 'room')
    clients.push(watcher)
    await synced(watcher)
    // A client whose network vanished: it neither answers pings nor sends a close frame.
    const silent = await rawSocket(server.wsUrl, 'room', {}, { autoPong: false })
    silent.ws.send(awarenessFrame(777, 1, { user: { name: 'Gone' } }))
    await waitFor('the watcher sees the silent client', () => statesSeenBy(watcher).has(777))
    const seenAt = Date.now()
    await waitFor('the silent client’s cursor is removed', () => !statesSeenBy(watcher).has(777), 10 * INTERVAL_MS)
    // Two intervals bound it; the margin is for a busy test machine.
    expect(Date.now() - seenAt).toBeLessThan(2 * INTERVAL_MS + 500)
    expect(server.logs.filter((l) => l.msg === 'terminating connection: no answer to ping'))
      .toEqual([expect.objectContaining({ room: 'room', intervalMs: INTERVAL_MS })])
    expect(server.server.registry.get('room')!.connections.size).toBe(1)
  })

  test('keeps a connection that answers, however long it is idle', async ({ server, clients }) => {
    const idle = connectClient(server.wsUrl, 'quiet')
    clients.push(idle)
    await synced(idle)
    await new Promise((r) => setTimeout(r, 6 * INTERVAL_MS))
    expect(idle.provider.wsconnected).toBe(true)
    expect(server.logs.filter((l) => l.msg === 'terminating connection: no answer to ping')).toHaveLength(0)
  })
})

describe('the heartbeat, for a connection the server is closing', () => {
  it('ends it within two intervals when the client never completes the closing handshake', async () => {
    const server = await startServer({ heartbeatIntervalMs: INTERVAL_MS, maxMessagesPerSecond: 1 })
    try {
      // Stops reading, then gets itself closed (4529): the close frame is sent but never answered.
      const stuck = await rawSocket(server.wsUrl, 'closing', {}, { autoPong: false })
      ;(stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      for (let i = 0; i < 5; i++) stuck.ws.send(Uint8Array.of(MESSAGE_QUERY_AWARENESS))
      await waitFor('the server closed it', () => server.logs.some((l) => l.code === CLOSE_RATE_LIMITED))
      const closedAt = Date.now()
      await waitFor('it left the room', () => server.server.registry.stats.connections === 0, 10 * INTERVAL_MS)
      expect(Date.now() - closedAt).toBeLessThan(2 * INTERVAL_MS + 500)
      stuck.ws.terminate()
    } finally {
      await server.close()
    }
  })
})

import { describe, expect } from 'vitest'
import { encodeUpdate } from '../src/protocol/messages.js'
import { connectClient, rawSocket, synced, testWithServer, waitFor } from './helpers.js'
import { awarenessFrame, textUpdate } from './security-helpers.js'

const test = testWithServer({ maxMessagesPerSecond: 50, maxBytesPerSecond: 64 * 1024, maxPayloadBytes: 64 * 1024 })

describe('per-connection rate limits', () => {
  test('close a connection that floods messages with 4529 and one log line; others carry on', async ({ server, clients }) => {
    const good = connectClient(server.wsUrl, 'room')
    clients.push(good)
    await synced(good)
    const flooder = await rawSocket(server.wsUrl, 'room')
    // Far more than 2 s × 50 messages, sent at once.
    for (let clock = 1; clock <= 500; clock++) flooder.ws.send(awarenessFrame(4242, clock, { cursor: clock }))
    const closed = await flooder.closed
    expect(closed).toEqual({ code: 4529, reason: 'rate limit: more than 50 messages per second' })
    expect(server.logs.filter((l) => l.code === 4529)).toEqual([expect.objectContaining({ room: 'room', msg: 'closing connection: rate limit' })])
    good.doc.getText('t').insert(0, 'still here')
    const other = connectClient(server.wsUrl, 'room')
    clients.push(other)
    await synced(other)
    await waitFor('the good client’s edit reaches a newcomer', () => other.doc.getText('t').toString() === 'still here')
  })

  test('close a connection that floods bytes with 4529', async ({ server }) => {
    const flooder = await rawSocket(server.wsUrl, 'bytes')
    const big = encodeUpdate(textUpdate('x'.repeat(60_000)))
    for (let i = 0; i < 6; i++) flooder.ws.send(big)
    const closed = await flooder.closed
    expect(closed).toEqual({ code: 4529, reason: `rate limit: more than ${64 * 1024} bytes per second` })
  })

  test('let an ordinary editing session through', async ({ server, clients }) => {
    const a = connectClient(server.wsUrl, 'typing')
    clients.push(a)
    await synced(a)
    // 40 keystrokes with a cursor move each, over about a second: a fast typist.
    for (let i = 0; i < 40; i++) {
      a.doc.getText('t').insert(i, 'k')
      a.provider.awareness.setLocalStateField('cursor', i)
      await new Promise((r) => setTimeout(r, 25))
    }
    await waitFor('everything stored', () => server.server.registry.get('typing')!.doc.getText('t').length === 40)
    expect(a.provider.wsconnected).toBe(true)
    expect(server.logs.filter((l) => l.code === 4529)).toHaveLength(0)
  })
})

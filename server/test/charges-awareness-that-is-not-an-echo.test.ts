import { afterEach, describe, expect } from 'vitest'
import { rawSocket, testWithServer, waitFor } from './helpers.js'
import { awarenessFrame, type RawClient } from './security-helpers.js'

const test = testWithServer({ maxMessagesPerSecond: 50, maxBytesPerSecond: 64 * 1024, maxPayloadBytes: 64 * 1024 })

/** The socket's close, or 'still open' if it has not closed within `ms`. */
const closedWithin = (raw: RawClient, ms = 3_000) =>
  Promise.race([raw.closed, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))])

// Only an echo of a state the room sent this very connection is free of the message budget
// (ignores-awareness-echoes.test.ts); awareness that merely changes nothing is not.
describe('awareness that is not an echo of what the connection was sent', () => {
  const raws: RawClient[] = []
  afterEach(() => {
    for (const raw of raws.splice(0)) raw.ws.terminate()
  })
  const connect = async (wsUrl: string, room: string) => {
    const raw = await rawSocket(wsUrl, room)
    raws.push(raw)
    return raw
  }

  test('counts against the message rate when its clock is 0, a state the room never sent', async ({ server }) => {
    const flooder = await connect(server.wsUrl, 'clock-zero')
    for (let i = 0; i < 500; i++) flooder.ws.send(awarenessFrame(4242, 0, {}))
    expect(await closedWithin(flooder)).toEqual({ code: 4529, reason: 'rate limit: more than 50 messages per second' })
  })

  test('counts its bytes, which are never given back', async ({ server }) => {
    const flooder = await connect(server.wsUrl, 'clock-zero-bytes')
    // Ten frames of 60 kB at once: three times the byte burst, a fifth of the message burst.
    const padded = awarenessFrame(4243, 0, { padding: 'x'.repeat(60_000) })
    for (let i = 0; i < 10; i++) flooder.ws.send(padded)
    expect(await closedWithin(flooder)).toEqual({ code: 4529, reason: `rate limit: more than ${64 * 1024} bytes per second` })
  })

  test('counts from the second time a connection sends back a state it was sent once', async ({ server }) => {
    const listener = await connect(server.wsUrl, 'replayed')
    await waitFor('the listener is greeted', () => listener.messages.length > 0)
    const sender = await connect(server.wsUrl, 'replayed')
    sender.ws.send(awarenessFrame(7001, 1, { cursor: 1 }))
    await waitFor('the room relays the state', () => server.server.registry.get('replayed')!.awareness.getStates().has(7001))
    for (let i = 0; i < 500; i++) listener.ws.send(awarenessFrame(7001, 1, { cursor: 1 }))
    expect(await closedWithin(listener)).toEqual({ code: 4529, reason: 'rate limit: more than 50 messages per second' })
    expect(sender.ws.readyState).toBe(sender.ws.OPEN)
  })
})

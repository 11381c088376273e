import { afterEach, describe, expect } from 'vitest'
import { CLOSE_RATE_LIMITED, MESSAGE_AWARENESS } from '@ortak/protocol'
import { connectClient, rawSocket, synced, testWithServer, waitFor } from './helpers.js'
import { awarenessFrame, statesSeenBy, type RawClient } from './security-helpers.js'

const test = testWithServer({ maxMessagesPerSecond: 20 })

// The stock provider sends back every awareness change it hears (y-websocket's awareness
// update handler ignores the origin). These tests pin down what the server does with that.
describe('awareness echoes from the stock provider', () => {
  const raws: RawClient[] = []
  afterEach(() => {
    for (const r of raws.splice(0)) r.ws.terminate()
  })

  test('do not count against a listener’s rate limit in a busy room', async ({ server, clients }) => {
    const listener = connectClient(server.wsUrl, 'busy')
    clients.push(listener)
    await synced(listener)
    // Five senders, each within its own limit (15 changes/s); together 75/s reach the listener, which echoes them all.
    for (let i = 0; i < 5; i++) raws.push(await rawSocket(server.wsUrl, 'busy'))
    for (let clock = 1; clock <= 30; clock++) {
      raws.forEach((raw, i) => raw.ws.send(awarenessFrame(9000 + i, clock, { cursor: clock })))
      await new Promise((r) => setTimeout(r, 1000 / 15))
    }
    await waitFor('the listener saw the last moves', () => statesSeenBy(listener).get(9004)?.cursor === 30)
    await new Promise((r) => setTimeout(r, 100))
    expect(listener.provider.wsconnected).toBe(true)
    expect(server.logs.filter((l) => l.code === CLOSE_RATE_LIMITED)).toHaveLength(0)
  })

  test('are not relayed, and do not make the echoing client the owner of others’ cursors', async ({ server, clients }) => {
    const a = connectClient(server.wsUrl, 'owners')
    const b = connectClient(server.wsUrl, 'owners')
    const c = connectClient(server.wsUrl, 'owners')
    clients.push(a, b, c)
    await Promise.all([synced(a), synced(b), synced(c)])
    let framesToC = 0
    c.provider.ws!.addEventListener('message', (event: MessageEvent) => {
      if (new Uint8Array(event.data as ArrayBuffer)[0] === MESSAGE_AWARENESS) framesToC++
    })
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor('C sees Ada', () => statesSeenBy(c).get(a.doc.clientID)?.user?.name === 'Ada')
    await new Promise((r) => setTimeout(r, 200))
    // One change by A reaches C once, although B and C both echoed it to the server.
    expect(framesToC).toBe(1)
    b.destroy()
    await new Promise((r) => setTimeout(r, 200))
    expect(statesSeenBy(c).get(a.doc.clientID)?.user?.name).toBe('Ada')
    expect(server.server.registry.get('owners')!.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada' } })
  })
})

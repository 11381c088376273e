import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestServer } from './helpers.js'
import { awarenessFrame, collectGarbage } from './security-helpers.js'

const CYCLES = 1_000
const ROOMS = 100
const AT_ONCE = 8

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe(`${CYCLES} connect/disconnect cycles across ${ROOMS} rooms`, () => {
  let server: TestServer
  beforeAll(async () => {
    // A thousand clients from one address, in seconds: the limits per address (their own test) out of the way.
    server = await startServer({
      unloadGraceMs: 20, heartbeatIntervalMs: 1_000, maxConnectionsPerSecondPerAddress: 1_000_000, maxMessagesPerSecond: 1_000_000, maxBytesPerSecond: 1 << 30,
    })
  })
  afterAll(() => server.close())

  it('leave no room, connection, document, awareness or timer behind', async () => {
    const registry = server.server.registry
    const timeoutsBefore = timeouts()
    // Weak references to everything the server made, to prove it can all be garbage collected.
    const made: Array<WeakRef<object>> = []
    const remember = (roomName: string) => {
      const room = registry.get(roomName)
      if (!room) return
      made.push(new WeakRef(room), new WeakRef(room.doc), new WeakRef(room.awareness))
      for (const connection of room.connections) made.push(new WeakRef(connection))
    }

    const cycle = async (i: number) => {
      const room = `leak-${i % ROOMS}`
      switch (i % 10) {
        case 7: { // the client vanishes without a close frame
          const c = connectClient(server.wsUrl, room)
          await synced(c)
          c.provider.awareness.setLocalStateField('user', { name: `u${i}` })
          remember(room)
          ;(c.provider.ws as unknown as WebSocket).terminate()
          c.destroy()
          return
        }
        case 8: { // the server closes it for a bad frame
          const raw = await rawSocket(server.wsUrl, room)
          raw.ws.send(new Uint8Array([0x7f]))
          expect((await raw.closed).code).toBe(1002)
          return
        }
        case 9: { // announces its initial awareness (clock 0, which y-protocols ignores) and is closed by the server
          const raw = await rawSocket(server.wsUrl, room)
          raw.ws.send(awarenessFrame(100_000 + i, 0, {}))
          raw.ws.send('a text frame')
          expect((await raw.closed).code).toBe(1003)
          return
        }
        default: { // an ordinary session: sync, a cursor, maybe an edit, leave
          const c = connectClient(server.wsUrl, room)
          await synced(c)
          c.provider.awareness.setLocalStateField('user', { name: `u${i}` })
          if (i % 3 === 0) c.doc.getText('t').insert(0, 'x')
          remember(room)
          c.destroy()
        }
      }
    }

    for (let i = 0; i < CYCLES; i += AT_ONCE) {
      await Promise.all(Array.from({ length: Math.min(AT_ONCE, CYCLES - i) }, (_, k) => cycle(i + k)))
    }
    await waitFor('every room unloaded', () => {
      const s = registry.stats
      return s.rooms === 0 && s.connections === 0 && s.unloadTimers === 0 && s.unloading === 0
    }, 20_000)
    const health = await (await fetch(`${server.url}/healthz`)).json() as Record<string, number>
    expect(health).toMatchObject({ rooms: 0, connections: 0, unloadTimers: 0, unloading: 0 })
    // The providers' own reconnect timers (at most 300 ms) have run out by now.
    await new Promise((r) => setTimeout(r, 400))
    expect(timeouts()).toBeLessThanOrEqual(timeoutsBefore)

    collectGarbage()
    await new Promise((r) => setTimeout(r, 0))
    collectGarbage()
    expect(made.length).toBeGreaterThan(CYCLES)
    const alive = made.filter((ref) => ref.deref() !== undefined).map((ref) => ref.deref()!.constructor.name)
    expect(alive).toEqual([])
  }, 120_000)
})

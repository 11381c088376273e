import * as decoding from 'lib0/decoding'
import { describe, expect, onTestFinished } from 'vitest'
import { Awareness, applyAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { MESSAGE_AWARENESS } from '@ortak/protocol'
import { recordingLogger, testWithRoomParts, waitFor, type ConnectedClient } from '../../test/helpers.js'
import { awarenessUpdate } from '../../test/security-helpers.js'
import { RateLimiter } from '../limits/rate-limiter.js'
import { traffic } from '../metrics.js'
import { awarenessEntries, encodeAwareness } from '../protocol/messages.js'
import { RoomPresence } from './room-presence.js'

const test = testWithRoomParts

/**
 * A room's presence, relaying as Room does: frames to every connection in
 * `clients` (the sender too), updates to other instances into `published`.
 */
function presenceFor(clients: ConnectedClient[]) {
  const awareness = new Awareness(new Y.Doc())
  onTestFinished(() => awareness.destroy())
  const published: Uint8Array[] = []
  const broadcast: Uint8Array[] = []
  const presence = new RoomPresence(awareness, {
    name: 'presence-test',
    get connections() {
      return new Set(clients.map((client) => client.connection))
    },
    publishAwareness: (update) => published.push(update),
    broadcastAwareness: (frame) => {
      broadcast.push(frame)
      for (const client of clients) client.connection.send(frame)
    },
  }, recordingLogger().log)
  return {
    presence, awareness, published, broadcast,
    /** `client` announces `state` for awareness client `clientId`, as its provider would. */
    announce(client: ConnectedClient, clientId: number, clock: number, state: unknown) {
      const update = awarenessUpdate(clientId, clock, state)
      return presence.receive(client.connection, update)
    },
  }
}

/** Awareness states as a client holding these updates sees them, by client id. */
function statesIn(updates: readonly Uint8Array[]): Map<number, unknown> {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState(null)
  for (const update of updates) applyAwarenessUpdate(awareness, update, 'server')
  const states = new Map(awareness.getStates())
  awareness.destroy()
  return states
}

/** The awareness states a client has been sent so far. */
function statesSeenBy(client: ConnectedClient): Map<number, unknown> {
  const updates = client.received.flatMap((frame) => {
    const decoder = decoding.createDecoder(frame)
    return decoding.readVarUint(decoder) === MESSAGE_AWARENESS ? [decoding.readVarUint8Array(decoder)] : []
  })
  return statesIn(updates)
}

const asBuffers = (frames: readonly Uint8Array[]) => frames.map((frame) => Buffer.from(frame))

describe('RoomPresence', () => {
  test('relays a new state to everyone, its sender too, and publishes it to other instances', async ({ connect }) => {
    const [ada, bob] = [await connect(), await connect()]
    const room = presenceFor([ada, bob])
    expect(room.announce(ada, 10, 1, { cursor: 3 })).toBeNull()
    const frame = encodeAwareness(awarenessUpdate(10, 1, { cursor: 3 }))
    await waitFor('both clients hear it', () => ada.received.length === 1 && bob.received.length === 1)
    expect(asBuffers([...ada.received, ...bob.received])).toEqual(asBuffers([frame, frame]))
    expect(asBuffers(room.published)).toEqual(asBuffers([awarenessUpdate(10, 1, { cursor: 3 })]))
    expect(room.awareness.getStates().get(10)).toEqual({ cursor: 3 })
  })

  test('relays what one turn accepted as one frame, holding the latest state of each client id', async ({ connect }) => {
    const [ada, bob, carol] = [await connect(), await connect(), await connect()]
    const room = presenceFor([ada, bob, carol])
    room.announce(ada, 10, 1, { cursor: 1 })
    room.announce(bob, 20, 1, { cursor: 2 })
    room.announce(ada, 10, 2, { cursor: 3 })
    room.presence.applyRemote(awarenessUpdate(30, 4, { cursor: 'remote' }))
    expect(room.broadcast).toHaveLength(0)
    await waitFor('everyone hears the turn', () => [ada, bob, carol].every((client) => client.received.length === 1))
    expect(room.broadcast).toHaveLength(1)
    const decoder = decoding.createDecoder(room.broadcast[0]!)
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_AWARENESS)
    expect(awarenessEntries(decoding.readVarUint8Array(decoder)).map(({ clientId, clock }) => [clientId, clock])).toEqual([[10, 2], [20, 1], [30, 4]])
    for (const client of [ada, bob, carol]) {
      expect(statesSeenBy(client)).toEqual(new Map<number, unknown>([[10, { cursor: 3 }], [20, { cursor: 2 }], [30, { cursor: 'remote' }]]))
    }
    // Each has now been sent the turn once: a provider's echo of all of it is free.
    expect(room.announce(bob, 10, 2, { cursor: 3 })).toBeNull()
    await new Promise((resolve) => setImmediate(resolve))
    expect(room.broadcast).toHaveLength(1)
  })

  test('drops an echo of a state it sent a connection, and gives the echo\'s message back to its sender\'s rate limit', async ({ connect }) => {
    // Two messages of budget, and no time passes: the limiter refills nothing.
    const now = Date.now()
    const budget = () => new RateLimiter({ maxMessagesPerSecond: 1, maxBytesPerSecond: 1_000_000, maxPayloadBytes: 1_000_000 }, now)
    const ada = await connect({ rateLimiter: budget() })
    const bob = await connect({ rateLimiter: budget() })
    const room = presenceFor([ada, bob])
    // Greeted as Room greets a newcomer: from then on the room notes what each was sent.
    room.presence.sendStatesTo(ada.connection)
    room.presence.sendStatesTo(bob.connection)
    const move = awarenessUpdate(10, 1, { cursor: 3 })

    expect(ada.connection.rateLimiter!.admit(move.length, now)).toBe(true)
    room.announce(ada, 10, 1, { cursor: 3 })
    await waitFor('Bob hears it', () => bob.received.length === 1)
    // Bob's provider sends back what it heard, at the same clock.
    expect(bob.connection.rateLimiter!.admit(move.length, now)).toBe(true)
    expect(room.announce(bob, 10, 1, { cursor: 3 })).toBeNull()
    expect(room.broadcast).toHaveLength(1)
    expect(room.published).toHaveLength(1)
    // The echo cost Bob nothing: both messages of his budget are left. Ada's change was paid for.
    expect([1, 2, 3].map(() => bob.connection.rateLimiter!.admit(move.length, now))).toEqual([true, true, false])
    expect([1, 2].map(() => ada.connection.rateLimiter!.admit(move.length, now))).toEqual([true, false])

    // Sockets keep order: once the next change arrives, nothing was sent between the two.
    room.announce(ada, 10, 2, { cursor: 4 })
    await waitFor('both clients hear the next change', () => ada.received.length === 2 && bob.received.length === 2)
    const frames = [encodeAwareness(move), encodeAwareness(awarenessUpdate(10, 2, { cursor: 4 }))]
    expect(asBuffers(bob.received)).toEqual(asBuffers(frames))
    expect(asBuffers(ada.received)).toEqual(asBuffers(frames))
  })

  test('relays the name of the token\'s user, whatever name the client wrote', async ({ connect }) => {
    const ada = await connect({ access: { permission: 'write', user: { id: 'u1', name: 'Ada' } } })
    const bob = await connect()
    const room = presenceFor([ada, bob])
    room.announce(ada, 10, 1, { user: { name: 'Mallory', color: '#ff0000', colorLight: 'url(evil)' }, cursor: 5 })
    const stamped = { user: { id: 'u1', name: 'Ada', color: '#ff0000' }, cursor: 5 }
    await waitFor('Bob hears it', () => bob.received.length === 1)
    expect(statesSeenBy(bob)).toEqual(new Map([[10, stamped]]))
    expect(statesSeenBy(ada)).toEqual(new Map([[10, stamped]]))
    expect(statesIn(room.published)).toEqual(new Map([[10, stamped]]))
    expect(room.awareness.getStates().get(10)).toEqual(stamped)
  })

  test('removes, for everyone, exactly the states a connection announced when it leaves', async ({ connect }) => {
    const [ada, bob, carol] = [await connect(), await connect(), await connect()]
    const room = presenceFor([ada, bob, carol])
    room.announce(ada, 10, 1, { cursor: 1 })
    room.announce(ada, 11, 1, { cursor: 2 })
    room.announce(bob, 20, 1, { cursor: 3 })
    await waitFor('Bob sees everyone', () => statesSeenBy(bob).size === 3)

    room.presence.connectionLeft(ada.connection)
    expect([...room.awareness.getStates().keys()]).toEqual([20])
    expect(awarenessEntries(room.published.at(-1)!)).toEqual([
      expect.objectContaining({ clientId: 10, isRemoval: true }), expect.objectContaining({ clientId: 11, isRemoval: true }),
    ])
    await waitFor('Bob sees Ada gone', () => statesSeenBy(bob).size === 1)
    expect(statesSeenBy(bob)).toEqual(new Map([[20, { cursor: 3 }]]))

    // A connection that announced nothing leaves nothing to remove.
    const frames = room.broadcast.length
    room.presence.connectionLeft(carol.connection)
    room.presence.connectionLeft(ada.connection)
    expect(room.broadcast).toHaveLength(frames)
  })

  test('removes the states of a gone instance\'s clients, except those of clients connected here', async ({ connect }) => {
    const [ada, bob] = [await connect(), await connect()]
    const room = presenceFor([ada, bob])
    // Client 40 has moved to this instance; the other instance's older state of it arrives late.
    room.announce(ada, 40, 2, { cursor: 'here now' })
    room.presence.applyRemote(awarenessUpdate(30, 1, { cursor: 'remote' }))
    room.presence.applyRemote(awarenessUpdate(40, 1, { cursor: 'remote' }))
    await waitFor('Bob sees both', () => statesSeenBy(bob).size === 2)
    // What came from another instance is never published again.
    expect(asBuffers(room.published)).toEqual(asBuffers([awarenessUpdate(40, 2, { cursor: 'here now' })]))

    room.presence.removeRemote([30, 40, 99])
    expect(room.awareness.getStates()).toEqual(new Map([[40, { cursor: 'here now' }]]))
    await waitFor('Bob sees 30 gone', () => !statesSeenBy(bob).has(30))
    expect(statesSeenBy(bob)).toEqual(new Map([[40, { cursor: 'here now' }]]))
    expect(room.published).toHaveLength(1)
  })

  test('no longer counts a client id as a connection\'s own once it announced that client left', async ({ connect }) => {
    const ada = await connect()
    const room = presenceFor([ada])
    room.announce(ada, 40, 1, { cursor: 'here' })
    room.announce(ada, 40, 2, null)
    // The same client (a tab that moved) is now connected to another instance, which then goes away.
    room.presence.applyRemote(awarenessUpdate(40, 3, { cursor: 'elsewhere' }))
    room.presence.removeRemote([40])
    expect(room.awareness.getStates().has(40)).toBe(false)
    expect(room.presence.localUpdate()).toBeNull()
  })

  test('gives other instances only the states of clients connected here', async ({ connect }) => {
    const [ada, bob] = [await connect(), await connect()]
    const room = presenceFor([ada, bob])
    expect(room.presence.localUpdate()).toBeNull()
    room.presence.applyRemote(awarenessUpdate(30, 1, { cursor: 'remote' }))
    expect(room.presence.localUpdate()).toBeNull()
    room.announce(ada, 10, 1, { cursor: 1 })
    room.announce(bob, 20, 1, { cursor: 2 })
    expect(statesIn([room.presence.localUpdate()!])).toEqual(new Map([[10, { cursor: 1 }], [20, { cursor: 2 }]]))
    room.presence.connectionLeft(ada.connection)
    expect(statesIn([room.presence.localUpdate()!])).toEqual(new Map([[20, { cursor: 2 }]]))
  })

  test('sends a newcomer everyone\'s states in one frame, and nothing while nobody has one', async ({ connect }) => {
    const [ada, newcomer] = [await connect(), await connect()]
    const room = presenceFor([ada])
    const sentBefore = traffic.messagesOut
    room.presence.sendStatesTo(newcomer.connection)
    expect(traffic.messagesOut).toBe(sentBefore)
    room.announce(ada, 10, 1, { cursor: 1 })
    room.presence.applyRemote(awarenessUpdate(30, 1, { cursor: 'remote' }))
    room.presence.sendStatesTo(newcomer.connection)
    await waitFor('the newcomer hears it', () => newcomer.received.length === 1)
    expect(statesSeenBy(newcomer)).toEqual(new Map([[10, { cursor: 1 }], [30, { cursor: 'remote' }]]))
  })
})

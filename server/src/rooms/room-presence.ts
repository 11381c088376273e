/**
 * Who is in a room and where their cursors are: the room's awareness
 * states (y-protocols), which awareness client ids each connection has
 * announced, and what a connection's awareness update becomes before it is
 * relayed (an echo is dropped, a name is replaced by the token's).
 *
 * The server holds no awareness state of its own; it only relays its
 * clients', and removes a client's states for everyone when it leaves.
 */
import * as awarenessProtocol from 'y-protocols/awareness'
import { CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
import { stampIdentity } from '../auth/awareness-identity.js'
import { isAwarenessEcho } from '../limits/awareness-echo.js'
import { ProtocolError, awarenessEntries, encodeAwareness } from '../protocol/messages.js'
import type { Connection } from './connection.js'
import { FROM_ANOTHER_INSTANCE } from './transaction-origins.js'

/** Where a change of presence goes: `update` to other instances (when it is this instance's), `frame` to this room's clients. */
export interface PresenceRelay {
  publish(update: Uint8Array): void
  broadcast(frame: Uint8Array): void
}

export class RoomPresence {
  /** Awareness client ids each connection has announced; removed for everyone when it closes. */
  private readonly announced = new Map<Connection, Set<number>>()

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly relay: PresenceRelay,
  ) {
    this.awareness.setLocalState(null)
  }

  /**
   * A connection's (validated) awareness update: applied and relayed to
   * everyone, the sender too, unless it changes nothing. Returns why it was
   * refused, or null.
   */
  receive(connection: Connection, update: Uint8Array, frame: Uint8Array): ProtocolError | null {
    if (isAwarenessEcho(this.awareness, update)) {
      connection.rateLimiter?.refund(frame.length)
      return null
    }
    if (connection.access.user) {
      // With access tokens the name on a cursor is the token's, whatever the client wrote.
      update = stampIdentity(update, connection.access.user)
      frame = encodeAwareness(update)
    }
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, connection)
    } catch (error) {
      return new ProtocolError(CLOSE_INVALID_PAYLOAD, `awareness update rejected: ${(error as Error).message}`)
    }
    let ids = this.announced.get(connection)
    if (!ids) this.announced.set(connection, ids = new Set())
    for (const entry of awarenessEntries(update)) {
      if (entry.isRemoval) ids.delete(entry.clientId)
      else ids.add(entry.clientId)
    }
    this.relay.publish(update)
    // Relayed to the sender too: y-websocket drops a connection that hears nothing for 30 s,
    // and a lone client's periodic awareness renewal is what it hears.
    this.relay.broadcast(frame)
    return null
  }

  /** Sends `connection` everyone's current state, if anyone has one. */
  sendStatesTo(connection: Connection): void {
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length === 0) return
    connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)))
  }

  /** Removes, for everyone, the states `connection` announced. */
  connectionLeft(connection: Connection): void {
    const announced = this.announced.get(connection)
    this.announced.delete(connection)
    if (!announced) return
    // A state announced with clock 0 (the provider's initial `{}`) is dropped by y-protocols and has no meta to encode.
    const ids = [...announced].filter((id) => this.awareness.meta.has(id))
    if (ids.length === 0) return
    awarenessProtocol.removeAwarenessStates(this.awareness, ids, connection)
    const removal = awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)
    this.relay.publish(removal)
    this.relay.broadcast(encodeAwareness(removal))
  }

  /** An awareness update another instance accepted: applied and sent to this room's clients, never published again. */
  applyRemote(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_ANOTHER_INSTANCE)
    this.relay.broadcast(encodeAwareness(update))
  }

  /**
   * Removes the states of clients of an instance that is gone, and tells
   * this room's clients. A client that has meanwhile reconnected here keeps
   * its state.
   */
  removeRemote(clientIds: readonly number[]): void {
    const local = this.localIds()
    const gone = clientIds.filter((id) => !local.has(id) && this.awareness.getStates().has(id))
    if (gone.length === 0) return
    awarenessProtocol.removeAwarenessStates(this.awareness, gone, FROM_ANOTHER_INSTANCE)
    this.relay.broadcast(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, gone)))
  }

  /** The states of this instance's own clients, as one awareness update, or null if none has one. */
  localUpdate(): Uint8Array | null {
    const ids = [...this.localIds()].filter((id) => this.awareness.getStates().has(id))
    return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null
  }

  private localIds(): Set<number> {
    const ids = new Set<number>()
    for (const announced of this.announced.values()) for (const id of announced) ids.add(id)
    return ids
  }
}

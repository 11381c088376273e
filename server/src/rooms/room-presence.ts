/**
 * Who is in a room and where their cursors are: the room's awareness
 * states (y-protocols), which awareness client ids each connection has
 * announced, and what a connection's awareness update becomes before it is
 * relayed (an echo is dropped, a name is replaced by the token's).
 *
 * The server holds no awareness state of its own; it only relays its
 * clients', and removes a client's states for everyone when it leaves.
 */
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import { CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
import { stampIdentity } from '../auth/awareness-identity.js'
import { SentStates } from '../limits/awareness-echo.js'
import { ProtocolError, awarenessEntries, encodeAwareness, type AwarenessEntry } from '../protocol/messages.js'
import type { Connection } from './connection.js'
import { FROM_ANOTHER_INSTANCE } from './transaction-origins.js'

/** Where a change of presence goes: `update` to other instances (when it is this instance's), `frame` to this room's clients. */
export interface PresenceRelay {
  publish(update: Uint8Array): void
  broadcast(frame: Uint8Array): void
}

type SentEntry = Pick<AwarenessEntry, 'clientId' | 'clock' | 'isRemoval'>

/** What the room knows of one connection's presence. */
interface Member {
  /** The awareness client ids it announced; removed for everyone when it leaves. */
  readonly ids: Set<number>
  /** The states it was sent, to tell its echoes. */
  readonly sent: SentStates
}

export class RoomPresence {
  /** The connections greeted or heard from, until they leave. */
  private readonly members = new Map<Connection, Member>()

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly relay: PresenceRelay,
  ) {
    this.awareness.setLocalState(null)
  }

  /**
   * A connection's (validated) awareness update: applied and relayed to
   * everyone, the sender too, as far as it changes something. Returns why
   * it was refused, or null.
   */
  receive(connection: Connection, update: Uint8Array, frame: Uint8Array): ProtocolError | null {
    const member = this.memberFor(connection)
    const entries = awarenessEntries(update)
    // A provider never echoes its own state: an entry for an id the connection announced is news (its leaving, say).
    if (!entries.some((entry) => member.ids.has(entry.clientId)) && member.sent.takeEcho(entries)) {
      connection.rateLimiter?.refundMessage()
      return null
    }
    const kept = entries.filter((entry) => this.changesRoom(entry))
    if (kept.length === 0) return null
    let relayed = kept.length < entries.length ? onlyEntries(update, kept) : update
    const user = connection.access.user
    // With access tokens the name on a cursor is the token's, whatever the client wrote.
    if (user) relayed = stampIdentity(relayed, user)
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, relayed, connection)
    } catch (error) {
      return new ProtocolError(CLOSE_INVALID_PAYLOAD, `awareness update rejected: ${(error as Error).message}`)
    }
    for (const { clientId, isRemoval } of kept) {
      if (isRemoval) member.ids.delete(clientId)
      else member.ids.add(clientId)
    }
    this.relay.publish(relayed)
    // Relayed to the sender too: y-websocket drops a connection that hears nothing for 30 s,
    // and a lone client's periodic awareness renewal is what it hears.
    this.broadcast(relayed === update ? frame : encodeAwareness(relayed), kept)
    return null
  }

  /** Sends `connection` everyone's current state, if anyone has one. */
  sendStatesTo(connection: Connection): void {
    // A greeting waits for the writes in flight; the connection may have left meanwhile.
    if (connection.isClosed) return
    const member = this.memberFor(connection)
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length === 0) return
    connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)))
    member.sent.sent(clients.map((clientId) => ({ clientId, clock: this.clockOf(clientId), isRemoval: false })))
  }

  /** Removes, for everyone, the states `connection` announced. */
  connectionLeft(connection: Connection): void {
    const member = this.members.get(connection)
    this.members.delete(connection)
    if (!member || member.ids.size === 0) return
    const ids = [...member.ids]
    awarenessProtocol.removeAwarenessStates(this.awareness, ids, connection)
    const removal = awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)
    this.relay.publish(removal)
    this.broadcast(encodeAwareness(removal), this.removals(ids))
  }

  /** An awareness update another instance accepted: applied and sent to this room's clients, never published again. */
  applyRemote(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_ANOTHER_INSTANCE)
    this.broadcast(encodeAwareness(update), awarenessEntries(update))
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
    this.broadcast(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, gone)), this.removals(gone))
  }

  /** The states of this instance's own clients, as one awareness update, or null if none has one. */
  localUpdate(): Uint8Array | null {
    const ids = [...this.localIds()].filter((id) => this.awareness.getStates().has(id))
    return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null
  }

  private localIds(): Set<number> {
    const ids = new Set<number>()
    for (const member of this.members.values()) for (const id of member.ids) ids.add(id)
    return ids
  }

  private memberFor(connection: Connection): Member {
    let member = this.members.get(connection)
    if (!member) this.members.set(connection, member = { ids: new Set(), sent: new SentStates() })
    return member
  }

  /** Sends every client of this room `frame`, noting for each the states it was sent. */
  private broadcast(frame: Uint8Array, entries: readonly SentEntry[]): void {
    this.relay.broadcast(frame)
    for (const member of this.members.values()) member.sent.sent(entries)
  }

  /** y-protocols' own test: whether applying the entry would change the room's awareness. */
  private changesRoom({ clientId, clock, isRemoval }: AwarenessEntry): boolean {
    const known = this.clockOf(clientId)
    return known < clock || (known === clock && isRemoval && this.awareness.states.has(clientId))
  }

  private clockOf(clientId: number): number {
    return this.awareness.meta.get(clientId)?.clock ?? 0
  }

  private removals(clientIds: readonly number[]): SentEntry[] {
    return clientIds.map((clientId) => ({ clientId, clock: this.clockOf(clientId), isRemoval: true }))
  }
}

/** The awareness update made of `entries` of `update` alone, copied byte for byte. */
function onlyEntries(update: Uint8Array, entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { start, end } of entries) encoding.writeUint8Array(encoder, update.subarray(start, end))
  return encoding.toUint8Array(encoder)
}

/**
 * Who is in a room and where their cursors are: the room's awareness
 * states (y-protocols), which connection holds each awareness client id,
 * and what a connection's awareness update becomes before it is relayed
 * (an echo is dropped, entries for others' ids are refused or ignored, a
 * name is replaced by the token's).
 *
 * The server holds no awareness state of its own; it only relays its
 * clients', and removes a client's states for everyone when it leaves.
 *
 * What one turn of the event loop accepted is relayed at its end, as one
 * update holding the latest entry of each client id: when many clients'
 * providers renew their states together (every 15 s, from a timer each
 * started when it connected), N frames relayed one by one would cost N²
 * sends, and every provider echoes each frame it hears, so N² frames more
 * to read back; merged, a busy turn costs N sends and N echoes.
 *
 * An awareness client id belongs to the connection that first announced
 * it, until it leaves; with access tokens, to that user for as long as the
 * room is loaded, since a provider keeps its client id when it reconnects.
 * Another user's connection that writes it is closed: a stock provider
 * only ever writes its own. A connection of the same user (or, without
 * tokens, anyone's) that writes an id another connection still holds is
 * ignored for that id: it may be the same provider reconnecting before the
 * server noticed its old socket was gone. The heartbeat ends that socket,
 * its states are removed, and the provider, hearing its own state removed,
 * announces it again.
 */
import * as encoding from 'lib0/encoding'
import type { Logger } from 'pino'
import * as awarenessProtocol from 'y-protocols/awareness'
import { CLOSE_AWARENESS_ID_TAKEN, CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
import { stampIdentity } from '../auth/awareness-identity.js'
import { SentStates } from '../limits/awareness-echo.js'
import { ProtocolError, awarenessEntries, encodeAwareness, type AwarenessEntry } from '../protocol/messages.js'
import type { Connection } from './connection.js'
import { FROM_ANOTHER_INSTANCE } from './transaction-origins.js'

/** The room a presence belongs to: its name, for log lines, and where a change of presence goes. */
export interface PresenceRoom {
  readonly name: string
  /** The connections `broadcastAwareness` sends to. */
  readonly connections: ReadonlySet<Connection>
  /** To other instances: a change this instance accepted. */
  publishAwareness(update: Uint8Array): void
  /** To this room's clients. */
  broadcastAwareness(frame: Uint8Array): void
}

// As long as a token's display name may be.
const MAX_SHOWN_NAME_LENGTH = 256

type SentEntry = Pick<AwarenessEntry, 'clientId' | 'clock' | 'isRemoval'>

/** An accepted awareness entry waiting for the end of the turn, with its bytes as they are relayed. */
interface RelayedEntry {
  entry: SentEntry
  bytes: Uint8Array
}

/**
 * What the room knows of one connection's presence: the states it was sent,
 * to tell its echoes (SentStates, extended rather than held, so that each
 * connection costs one object), and what it announced. A connection has one
 * from the first awareness it is sent or sends: in a room where nobody
 * shows presence, none has one.
 */
class Member extends SentStates {
  /** The awareness client ids it announced and holds, null before its first; removed for everyone when it leaves. */
  ids: Set<number> | null = null
  /** Its entries for an id another connection holds were ignored, and that was logged (once). */
  wasIgnoredForHeldIds = false
}

export class RoomPresence {
  /** The connections sent or heard awareness from, until they leave; null until there is one. */
  private members: Map<Connection, Member> | null = null
  /**
   * The connection of this instance holding each awareness client id it
   * announced; null until one is announced, as in a room opened by the HTTP
   * API or by clients that show no presence.
   */
  private holders: Map<number, Connection> | null = null
  /**
   * With access tokens, the id of the user who announced each client id,
   * here or on another instance; kept after they leave. Null until there is one.
   */
  private users: Map<number, string> | null = null
  /** What this turn accepted, the latest entry by client id, relayed at its end; null when nothing waits. */
  private relaying: Map<number, RelayedEntry> | null = null

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly room: PresenceRoom,
    private readonly log: Logger,
  ) {
    this.awareness.setLocalState(null)
  }

  /**
   * A connection's (validated) awareness update: applied and relayed to
   * everyone at the end of the turn, the sender too, as far as it changes
   * something and its ids are the connection's. Returns why it was
   * refused, or null.
   */
  receive(connection: Connection, update: Uint8Array): ProtocolError | null {
    const member = this.memberFor(connection)
    const entries = awarenessEntries(update)
    // A provider never echoes its own state: an entry for an id the connection holds is news (its leaving, say).
    if (!entries.some((entry) => this.holders?.get(entry.clientId) === connection) && member.takeEcho(entries)) {
      connection.rateLimiter?.refundMessage()
      return null
    }
    const kept: AwarenessEntry[] = []
    for (const entry of entries) {
      if (!this.changesRoom(entry)) continue
      const mayWrite = this.mayWrite(connection, entry)
      if (mayWrite instanceof ProtocolError) return mayWrite
      if (mayWrite) kept.push(entry)
      else this.ignoredForHeldId(connection, member, entry.clientId)
    }
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
      if (isRemoval) {
        if (this.holders?.get(clientId) === connection) this.holders.delete(clientId)
        member.ids?.delete(clientId)
        continue
      }
      ;(this.holders ??= new Map()).set(clientId, connection)
      ;(member.ids ??= new Set()).add(clientId)
      if (user) (this.users ??= new Map()).set(clientId, user.id)
    }
    this.room.publishAwareness(relayed)
    // Relayed to the sender too: y-websocket drops a connection that hears nothing for 30 s,
    // and a lone client's periodic awareness renewal is what it hears.
    this.relay(relayed, relayed === update ? kept : awarenessEntries(relayed))
    return null
  }

  /** Sends `connection` everyone's current state, if anyone has one. */
  sendStatesTo(connection: Connection): void {
    // A greeting waits for the writes in flight; the connection may have left meanwhile.
    if (connection.isClosed) return
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length === 0) return
    const member = this.memberFor(connection)
    connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)))
    member.sent(clients.map((clientId) => ({ clientId, clock: this.clockOf(clientId), isRemoval: false })))
  }

  /** The name `connection` shows in its awareness (`user.name`, as y-prosemirror's cursors read it), or null. */
  shownName(connection: Connection): string | null {
    for (const id of this.members?.get(connection)?.ids ?? []) {
      const name: unknown = this.awareness.getStates().get(id)?.user?.name
      if (typeof name === 'string' && name.trim() !== '') return name.slice(0, MAX_SHOWN_NAME_LENGTH)
    }
    return null
  }

  /** Removes, for everyone, the states `connection` announced; its ids are free again. */
  connectionLeft(connection: Connection): void {
    const member = this.members?.get(connection)
    this.members?.delete(connection)
    if (!member?.ids || member.ids.size === 0) return
    const ids = [...member.ids]
    for (const id of ids) this.holders?.delete(id)
    awarenessProtocol.removeAwarenessStates(this.awareness, ids, connection)
    const removal = awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)
    this.room.publishAwareness(removal)
    this.relay(removal, awarenessEntries(removal))
  }

  /** An awareness update another instance accepted: applied and sent to this room's clients, never published again. */
  applyRemote(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_ANOTHER_INSTANCE)
    const entries = awarenessEntries(update)
    for (const { clientId, isRemoval } of entries) {
      // The other instance stamped the token's user on it, as receive does here.
      const userId: unknown = isRemoval ? undefined : this.awareness.getStates().get(clientId)?.user?.id
      if (typeof userId === 'string') (this.users ??= new Map()).set(clientId, userId)
    }
    this.relay(update, entries)
  }

  /**
   * Removes the states of clients of an instance that is gone, and tells
   * this room's clients. A client that has meanwhile reconnected here keeps
   * its state.
   */
  removeRemote(clientIds: readonly number[]): void {
    const gone = clientIds.filter((id) => !this.holders?.has(id) && this.awareness.getStates().has(id))
    if (gone.length === 0) return
    awarenessProtocol.removeAwarenessStates(this.awareness, gone, FROM_ANOTHER_INSTANCE)
    const removal = awarenessProtocol.encodeAwarenessUpdate(this.awareness, gone)
    this.relay(removal, awarenessEntries(removal))
  }

  /** The states of this instance's own clients, as one awareness update, or null if none has one. */
  localUpdate(): Uint8Array | null {
    if (!this.holders) return null
    const ids = [...this.holders.keys()].filter((id) => this.awareness.getStates().has(id))
    return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null
  }

  private memberFor(connection: Connection): Member {
    const members = (this.members ??= new Map())
    let member = members.get(connection)
    if (!member) members.set(connection, member = new Member())
    return member
  }

  /**
   * Relays `entries` of `update` at the end of this turn, each replacing a
   * waiting entry of its client id that it supersedes (another instance's
   * may be older than what a client here just sent).
   */
  private relay(update: Uint8Array, entries: readonly AwarenessEntry[]): void {
    if (!this.relaying) {
      this.relaying = new Map()
      setImmediate(() => this.relayTurn())
    }
    for (const { clientId, clock, isRemoval, start, end } of entries) {
      const waiting = this.relaying.get(clientId)?.entry
      if (waiting && (waiting.clock > clock || (waiting.clock === clock && !isRemoval))) continue
      this.relaying.set(clientId, { entry: { clientId, clock, isRemoval }, bytes: update.subarray(start, end) })
    }
  }

  /** Sends every client of this room what the turn accepted, as one update, noting for each the states it was sent. */
  private relayTurn(): void {
    const relaying = [...this.relaying!.values()]
    this.relaying = null
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, relaying.length)
    for (const { bytes } of relaying) encoding.writeUint8Array(encoder, bytes)
    this.room.broadcastAwareness(encodeAwareness(encoding.toUint8Array(encoder)))
    const entries = relaying.map(({ entry }) => entry)
    for (const connection of this.room.connections) this.memberFor(connection).sent(entries)
  }

  /** y-protocols' own test: whether applying the entry would change the room's awareness. */
  private changesRoom({ clientId, clock, isRemoval }: AwarenessEntry): boolean {
    const known = this.clockOf(clientId)
    return known < clock || (known === clock && isRemoval && this.awareness.states.has(clientId))
  }

  /**
   * Whether `connection` may write an entry that changes the room: yes for
   * an id it holds or no one does; no, ignored, for an id another
   * connection holds, here or on another instance; and for another user's
   * id, a refusal. A removal is only ever ignored: a stock provider sends
   * one for another client's state it timed out.
   */
  private mayWrite(connection: Connection, { clientId, isRemoval }: AwarenessEntry): boolean | ProtocolError {
    const user = connection.access.user
    const owner = this.users?.get(clientId)
    if (user && owner !== undefined && owner !== user.id) {
      return isRemoval ? false : new ProtocolError(CLOSE_AWARENESS_ID_TAKEN, `awareness client id ${clientId} belongs to another user`)
    }
    const holder = this.holders?.get(clientId)
    if (holder) return holder === connection
    // A state no connection here holds is that of another instance's client.
    return !this.awareness.states.has(clientId)
  }

  private ignoredForHeldId(connection: Connection, member: Member, clientId: number): void {
    if (member.wasIgnoredForHeldIds) return
    member.wasIgnoredForHeldIds = true
    this.log.info({ room: this.room.name, connection: connection.id, clientId }, 'ignored awareness for a client id another connection holds')
  }

  private clockOf(clientId: number): number {
    return this.awareness.meta.get(clientId)?.clock ?? 0
  }
}

/** The awareness update made of `entries` of `update` alone, copied byte for byte. */
function onlyEntries(update: Uint8Array, entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { start, end } of entries) encoding.writeUint8Array(encoder, update.subarray(start, end))
  return encoding.toUint8Array(encoder)
}

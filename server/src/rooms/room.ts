/**
 * A Room is one document being edited: its Y.Doc, its awareness, and the
 * connections of the clients editing it. Every update follows one path,
 * written out in `receiveUpdate`: decode, apply, persist, broadcast.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Logger } from 'pino'
import {
  CLOSE_INTERNAL_ERROR, CLOSE_INVALID_PAYLOAD, CLOSE_UNSUPPORTED_DATA, ProtocolError,
  awarenessEntries, decodeClientMessage, encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate,
} from '../protocol/messages.js'
import type { Storage } from '../storage/storage.js'
import type { WriteBatcher } from '../storage/write-batcher.js'
import type { Connection } from './connection.js'

export interface RoomOptions {
  compactAfterUpdates: number
  compactAfterBytes: number
}

export interface RoomHooks {
  /** The last connection left. */
  onEmpty(room: Room): void
  /** Storage failed: the room's memory may hold changes that are not stored, so it must be dropped. */
  onStorageFailure(room: Room, error: Error): void
}

type RoomState = 'loading' | 'ready' | 'failed' | 'destroyed'

// An update with no structs and an empty delete set: what a client with nothing new sends in sync step 2.
const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0

export class Room {
  readonly doc = new Y.Doc({ gc: true })
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  readonly connections = new Set<Connection>()
  /** Resolves once the stored document is loaded (rejects if it could not be). */
  readonly ready: Promise<void>
  private state: RoomState = 'loading'
  private lastSeq = 0
  private logCount = 0
  private logBytes = 0
  private writesInFlight = 0
  private isCompactionScheduled = false

  constructor(
    readonly name: string,
    private readonly storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: RoomOptions,
    private readonly hooks: RoomHooks,
    private readonly log: Logger,
  ) {
    // The server holds no awareness state of its own; it only relays its clients'.
    this.awareness.setLocalState(null)
    this.ready = this.load()
  }

  get isReady(): boolean {
    return this.state === 'ready'
  }

  get hasUnstoredWrites(): boolean {
    return this.writesInFlight > 0
  }

  private async load(): Promise<void> {
    const started = performance.now()
    const stored = await this.storage.load(this.name)
    if (this.state !== 'loading') return
    Y.transact(this.doc, () => {
      for (const update of stored.updates) Y.applyUpdate(this.doc, update)
    })
    this.lastSeq = stored.lastSeq
    this.logCount = stored.logCount
    this.logBytes = stored.logBytes
    this.state = 'ready'
    this.log.debug({ room: this.name, updates: stored.updates.length, ms: +(performance.now() - started).toFixed(2) }, 'room loaded')
    for (const connection of this.connections) this.greet(connection)
  }

  /** Marks the room unusable after its load failed; its connections are closed by the registry. */
  markFailed(): void {
    this.state = 'failed'
  }

  attach(connection: Connection): void {
    this.connections.add(connection)
    // Until the stored document is loaded nothing is sent: a client must never see an empty document first.
    if (this.state === 'ready') this.greet(connection)
  }

  detach(connection: Connection): void {
    if (!this.connections.delete(connection)) return
    if (connection.awarenessIds.size > 0 && this.state !== 'destroyed') {
      const ids = [...connection.awarenessIds]
      awarenessProtocol.removeAwarenessStates(this.awareness, ids, connection)
      this.broadcast(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)))
    }
    if (this.connections.size === 0) this.hooks.onEmpty(this)
  }

  /** Handles one WebSocket frame; a text frame arrives as a string. */
  receive(connection: Connection, frame: Uint8Array | string): void {
    if (connection.isClosed) return
    if (typeof frame === 'string') {
      return this.refuse(connection, new ProtocolError(CLOSE_UNSUPPORTED_DATA, 'text frames are not supported: y-websocket messages are binary'))
    }
    if (this.state !== 'ready') {
      connection.framesBeforeReady.push(frame)
      return
    }
    let message
    try {
      message = decodeClientMessage(frame)
    } catch (error) {
      if (error instanceof ProtocolError) return this.refuse(connection, error)
      throw error
    }
    switch (message.type) {
      case 'sync-step-1':
        return this.replyToSyncStep1(connection, message.stateVector)
      case 'sync-step-2':
        return this.receiveUpdate(connection, message.update, null)
      case 'update':
        return this.receiveUpdate(connection, message.update, frame)
      case 'awareness':
        return this.receiveAwareness(connection, message.update, frame)
      case 'query-awareness':
        return this.sendAwarenessStates(connection)
    }
  }

  /**
   * Decode (done by the caller), apply, persist, broadcast. The update is
   * broadcast only from the storage callback, so any update another client
   * has seen is already on disk.
   */
  private receiveUpdate(connection: Connection, update: Uint8Array, updateFrame: Uint8Array | null): void {
    if (isEmptyUpdate(update)) {
      connection.receivedDocMessage(false)
      return
    }
    try {
      Y.applyUpdate(this.doc, update, connection)
    } catch (error) {
      return this.refuse(connection, new ProtocolError(CLOSE_INVALID_PAYLOAD, `update rejected by Yjs: ${(error as Error).message}`))
    }
    const index = connection.receivedDocMessage(true)
    this.writesInFlight++
    // The frame itself is forwarded when it is an update message: no re-encoding on the hot path.
    const frameForOthers = updateFrame ?? encodeUpdate(update)
    this.batcher.append({
      room: this.name,
      update,
      onStored: (seq) => {
        this.writesInFlight--
        this.lastSeq = seq
        this.logCount++
        this.logBytes += update.byteLength
        this.broadcast(frameForOthers, connection)
        connection.stored(index)
        this.maybeScheduleCompaction()
      },
      onFailed: (error) => {
        this.writesInFlight--
        this.hooks.onStorageFailure(this, error)
      },
    })
  }

  private replyToSyncStep1(connection: Connection, stateVector: Uint8Array): void {
    // A reply sent while writes are in flight could show a client updates that are not stored yet.
    const reply = () => {
      if (this.state !== 'ready') return
      connection.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)))
    }
    if (this.writesInFlight > 0) this.batcher.whenIdle(reply)
    else reply()
  }

  private receiveAwareness(connection: Connection, update: Uint8Array, frame: Uint8Array): void {
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, connection)
    } catch (error) {
      return this.refuse(connection, new ProtocolError(CLOSE_INVALID_PAYLOAD, `awareness update rejected: ${(error as Error).message}`))
    }
    for (const entry of awarenessEntries(update)) {
      if (entry.isRemoval) connection.awarenessIds.delete(entry.clientId)
      else connection.awarenessIds.add(entry.clientId)
    }
    // Relayed to the sender too: y-websocket drops a connection that hears nothing for 30 s,
    // and a lone client's periodic awareness renewal is what it hears.
    this.broadcast(frame)
  }

  private sendAwarenessStates(connection: Connection): void {
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length === 0) return
    connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)))
  }

  /** What a newly connected client is sent first: the server's state vector, then who is here. */
  private greet(connection: Connection): void {
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    this.sendAwarenessStates(connection)
    const early = connection.framesBeforeReady.splice(0)
    for (const frame of early) this.receive(connection, frame)
  }

  broadcast(frame: Uint8Array, except?: Connection): void {
    for (const connection of this.connections) {
      if (connection !== except) connection.send(frame)
    }
  }

  private refuse(connection: Connection, error: ProtocolError): void {
    this.log.warn({ room: this.name, connection: connection.id, code: error.closeCode, reason: error.message }, 'closing connection: bad input')
    connection.closeWithReason(error.closeCode, error.message)
  }

  private maybeScheduleCompaction(): void {
    if (this.isCompactionScheduled) return
    if (this.logCount < this.options.compactAfterUpdates && this.logBytes < this.options.compactAfterBytes) return
    this.isCompactionScheduled = true
    this.batcher.whenIdle(() => {
      this.isCompactionScheduled = false
      void this.compact()
    })
  }

  /**
   * Replaces the stored log with one snapshot of the document. Runs only
   * when no write of this room is in flight, so the snapshot holds exactly
   * what is stored through `lastSeq`.
   */
  async compact(): Promise<void> {
    if (this.state !== 'ready' || this.logCount === 0) return
    if (this.writesInFlight > 0) {
      this.maybeScheduleCompaction()
      return
    }
    const throughSeq = this.lastSeq
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    const before = { count: this.logCount, bytes: this.logBytes }
    try {
      await this.storage.compact(this.name, snapshot, throughSeq)
    } catch (error) {
      // The log is still intact; compaction is retried after the next write.
      this.log.error({ room: this.name, err: error }, 'compaction failed')
      return
    }
    // Updates stored while the compaction ran stay in the log.
    this.logCount -= before.count
    this.logBytes -= before.bytes
    this.log.debug({ room: this.name, updates: before.count, bytes: before.bytes, snapshotBytes: snapshot.byteLength }, 'room compacted')
  }

  /** Closes every connection and frees the document, awareness and their timers. */
  destroy(code: number, reason: string): void {
    if (this.state === 'destroyed') return
    this.state = 'destroyed'
    for (const connection of this.connections) connection.closeWithReason(code, reason)
    this.connections.clear()
    this.awareness.destroy()
    this.doc.destroy()
  }

  closeAllForStorageFailure(): void {
    this.destroy(CLOSE_INTERNAL_ERROR, 'storage failed: your changes were not stored; reconnect to send them again')
  }
}

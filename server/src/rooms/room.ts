/**
 * A Room is one document being edited: its Y.Doc, its awareness, and the
 * connections of the clients editing it. Every update follows one path,
 * written out in `receiveUpdate` and `applyReceived`: decode, apply,
 * persist, broadcast.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Logger } from 'pino'
import {
  CLOSE_DOCUMENT_TOO_LARGE, CLOSE_INTERNAL_ERROR, CLOSE_INVALID_PAYLOAD, CLOSE_READ_ONLY, CLOSE_UNSUPPORTED_DATA,
} from '@ortak/protocol'
import { stampIdentity } from '../auth/awareness-identity.js'
import { addsNothingNew } from '../auth/read-only.js'
import { isAwarenessEcho } from '../limits/awareness-echo.js'
import { ProtocolError, awarenessEntries, decodeClientMessage, encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate } from '../protocol/messages.js'
import { broadcastDelay } from '../metrics.js'
import type { Storage } from '../storage/storage.js'
import type { PendingAppend, WriteBatcher } from '../storage/write-batcher.js'
import type { Connection } from './connection.js'
import type { RoomBus } from './room-bus.js'
import { FirstFrameWait } from './first-frames.js'
import { UnchangedSnapshot, isEmptyStateVector } from './unchanged-snapshot.js'

export interface RoomOptions {
  compactAfterUpdates: number
  compactAfterBytes: number
  /** Updates that would take the document past this many bytes are refused (no limit if absent). */
  maxDocumentBytes?: number
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

// Sync step 1 with an empty state vector, byte for byte: what a client holding nothing sends on connect.
const isEmptySyncStep1 = (frame: Uint8Array) => frame.length === 4 && frame[0] === 0 && frame[1] === 0 && frame[2] === 1 && frame[3] === 0

/** How long a loading room waits for its clients' first frames before applying its snapshot; see FirstFrameWait. */
const FIRST_FRAME_WAIT_MS = 10

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
  /** The document's size as stored: snapshot plus logged updates, counted as they are applied. */
  private documentBytes = 0
  /** The stored snapshot while the document is still exactly it: the reply to a client holding nothing. */
  private readonly snapshot = new UnchangedSnapshot(this.doc)
  private readonly firstFrames = new FirstFrameWait()
  /** Updates received this turn and not applied yet; see applyReceived. */
  private received: Array<{ connection: Connection; update: Uint8Array; frame: Uint8Array | null; index: number }> = []

  constructor(
    readonly name: string,
    private readonly storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: RoomOptions,
    private readonly hooks: RoomHooks,
    private readonly log: Logger,
    private readonly bus?: RoomBus,
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
    // Subscribed before reading: what other instances store meanwhile arrives through the bus.
    await this.bus?.join(this)
    const stored = await this.storage.load(this.name)
    if (this.state !== 'loading') return
    // Changes from other instances may have arrived through the bus while storage was read: then the
    // stored bytes are no longer the whole document and must not answer anyone.
    const store = this.doc.store
    const isUntouched = store.clients.size === 0 && store.pendingStructs === null && store.pendingDs === null
    const isSnapshotOnly = stored.updates.length === 1 && isUntouched
    // Clients that hold nothing are answered from the stored bytes before they are applied. Not with other
    // instances: what they publish while this room loads goes into the document unsent and reaches a
    // client only in the answer to its sync step 1, which must therefore come from the document.
    let isDocTheSnapshot = isSnapshotOnly
    if (isSnapshotOnly && !this.bus) {
      this.snapshot.hold(stored.updates[0]!)
      await this.firstFrames.wait(FIRST_FRAME_WAIT_MS, () => [...this.connections].every((c) => c.framesBeforeReady.length > 0))
      if (this.state !== 'loading') return
      const answered = [...this.connections].filter((connection) => this.answerFromSnapshot(connection))
      if (answered.length > 0) {
        // One turn for those answers to reach the sockets before the apply holds the thread.
        await new Promise<void>((resolve) => setImmediate(resolve))
        if (this.state !== 'loading') return
      }
      isDocTheSnapshot = this.snapshot.current !== null
    }
    Y.transact(this.doc, () => {
      for (const update of stored.updates) Y.applyUpdate(this.doc, update)
    })
    if (isDocTheSnapshot) this.snapshot.hold(stored.updates[0]!)
    this.lastSeq = stored.lastSeq
    this.logCount = stored.logCount
    this.logBytes = stored.logBytes
    this.documentBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0)
    this.state = 'ready'
    this.log.debug({ room: this.name, updates: stored.updates.length, ms: +(performance.now() - started).toFixed(2) }, 'room loaded')
    for (const connection of this.connections) this.greet(connection)
  }

  /** Answers, from the stored snapshot, the sync step 1 of a client that holds nothing, if it has sent one. */
  private answerFromSnapshot(connection: Connection): boolean {
    const snapshot = this.snapshot.current
    const index = connection.framesBeforeReady.findIndex(isEmptySyncStep1)
    if (!snapshot || index === -1) return false
    connection.framesBeforeReady.splice(index, 1)
    connection.send(encodeSyncStep2(snapshot))
    return true
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
    // A state announced with clock 0 (the provider's initial `{}`) is dropped by y-protocols and has no meta to encode.
    const ids = [...connection.awarenessIds].filter((id) => this.awareness.meta.has(id))
    if (ids.length > 0 && this.state !== 'destroyed') {
      awarenessProtocol.removeAwarenessStates(this.awareness, ids, connection)
      const removal = awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)
      this.bus?.publishAwareness(this, removal)
      this.broadcast(encodeAwareness(removal))
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
      this.firstFrames.frameArrived()
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
        if (isAwarenessEcho(this.awareness, message.update)) return connection.rateLimiter?.refund(frame.length)
        if (connection.access.user) {
          // With access tokens the name on a cursor is the token's, whatever the client wrote.
          const stamped = stampIdentity(message.update, connection.access.user)
          return this.receiveAwareness(connection, stamped, encodeAwareness(stamped))
        }
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
    if (connection.access.permission === 'read') {
      // A reader's sync step 2 repeats what the room has; anything more is a write it may not make.
      if (!addsNothingNew(this.doc, update)) {
        return this.refuse(connection, new ProtocolError(CLOSE_READ_ONLY, 'read-only access: document updates are refused'))
      }
      connection.receivedDocMessage(false)
      return
    }
    // Counted now, in the order the client sent its messages, for its stored-acknowledgements.
    const index = connection.receivedDocMessage(true)
    // Applied at the end of this turn with every other update that arrived in it (one socket read
    // holds many): one Yjs transaction per batch instead of one per update halves the cost of a burst.
    if (this.received.length === 0) queueMicrotask(() => this.applyReceived())
    this.received.push({ connection, update, frame: updateFrame, index })
  }

  /** Apply, persist, broadcast, for the updates received this turn, in the order they arrived. */
  private applyReceived(): void {
    const received = this.received
    this.received = []
    if (this.state !== 'ready') return
    const applied: typeof received = []
    Y.transact(this.doc, () => {
      for (const item of received) {
        // A connection refused for an earlier frame of this batch sends nothing more.
        if (item.connection.isClosed) continue
        const problem = this.apply(item.update, item.connection)
        if (problem) this.refuse(item.connection, problem)
        else applied.push(item)
      }
    })
    for (const { connection, update, frame, index } of applied) {
      // The frame itself is forwarded when it is an update message: no re-encoding on the hot path.
      this.persistThenBroadcast(update, frame ?? encodeUpdate(update), connection, index)
    }
  }

  /**
   * An update from the server's own API (HTTP, command line) rather than
   * from a connection: the same apply, persist, broadcast, to every
   * connection. The caller has decoded and checked it. Resolves once it is
   * stored and broadcast; rejects with a ProtocolError if it is refused
   * (nothing changed), or with the storage error.
   */
  applyUpdate(update: Uint8Array): Promise<void> {
    if (this.state !== 'ready') return Promise.reject(new Error(`room "${this.name}" is not loaded`))
    if (isEmptyUpdate(update)) return Promise.resolve()
    const problem = this.apply(update, null)
    if (problem) return Promise.reject(problem)
    return new Promise((resolve, reject) => {
      this.persistThenBroadcast(update, encodeUpdate(update), null, 0, (error) => (error ? reject(error) : resolve()))
    })
  }

  /** Applies an update to the document within its size limit; returns why it was refused, or null. */
  private apply(update: Uint8Array, origin: Connection | null): ProtocolError | null {
    const maxBytes = this.options.maxDocumentBytes ?? Number.POSITIVE_INFINITY
    if (this.documentBytes + update.byteLength > maxBytes) {
      return new ProtocolError(CLOSE_DOCUMENT_TOO_LARGE, `document size limit: this update would take it past ${maxBytes} bytes`)
    }
    try {
      Y.applyUpdate(this.doc, update, origin)
    } catch (error) {
      return new ProtocolError(CLOSE_INVALID_PAYLOAD, `update rejected by Yjs: ${(error as Error).message}`)
    }
    this.documentBytes += update.byteLength
    return null
  }

  /** Stores an applied update, then broadcasts it from the storage callback: whatever a client has seen is stored. */
  private persistThenBroadcast(update: Uint8Array, frame: Uint8Array, sender: Connection | null, senderIndex: number, onDone?: (error?: Error) => void): void {
    this.writesInFlight++
    this.batcher.append(new UpdateWrite(this, update, frame, sender, senderIndex, onDone))
  }

  /** The storage callback of persistThenBroadcast: stored, so it may now be seen. */
  updateStored(write: UpdateWrite, seq: number): void {
    this.writesInFlight--
    this.lastSeq = seq
    this.logCount++
    this.logBytes += write.update.byteLength
    this.bus?.publishUpdate(this, write.update)
    this.broadcast(write.frame, write.sender ?? undefined)
    broadcastDelay.observe((performance.now() - write.appliedAt) / 1000)
    write.sender?.stored(write.senderIndex)
    write.onDone?.()
    this.maybeScheduleCompaction()
  }

  updateFailed(write: UpdateWrite, error: Error): void {
    this.writesInFlight--
    write.onDone?.(error)
    this.hooks.onStorageFailure(this, error)
  }

  private replyToSyncStep1(connection: Connection, stateVector: Uint8Array): void {
    // A reply sent while writes are in flight could show a client updates that are not stored yet, so it
    // is encoded now and sent once those are stored. It does not wait for writes that arrive later:
    // a busy room on a remote database is never idle.
    const unchanged = isEmptyStateVector(stateVector) ? this.snapshot.current : null
    const reply = encodeSyncStep2(unchanged ?? Y.encodeStateAsUpdate(this.doc, stateVector))
    const send = () => {
      if (this.state === 'ready') connection.send(reply)
    }
    if (this.writesInFlight > 0) this.batcher.afterPending(send)
    else send()
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
    this.bus?.publishAwareness(this, update)
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
    // The state vector tells the client what it need not send again, so it must not include a change
    // that is applied but not yet stored (say, from this client's previous connection): it goes out
    // once the writes in flight now are stored.
    const syncStep1 = encodeSyncStep1(Y.encodeStateVector(this.doc))
    const send = () => {
      if (this.state !== 'ready') return
      connection.send(syncStep1)
      this.sendAwarenessStates(connection)
    }
    if (this.writesInFlight > 0) this.batcher.afterPending(send)
    else send()
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
    this.snapshot.hold(snapshot)
    const before = { count: this.logCount, bytes: this.logBytes, documentBytes: this.documentBytes }
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
    this.documentBytes = snapshot.byteLength + this.documentBytes - before.documentBytes
    this.log.debug({ room: this.name, updates: before.count, bytes: before.bytes, snapshotBytes: snapshot.byteLength }, 'room compacted')
  }

  /** Closes every connection and frees the document, awareness and their timers. */
  destroy(code: number, reason: string): void {
    if (this.state === 'destroyed') return
    this.state = 'destroyed'
    this.firstFrames.destroy()
    this.bus?.leave(this)
    for (const connection of this.connections) connection.closeWithReason(code, reason)
    this.connections.clear()
    this.awareness.destroy()
    this.doc.destroy()
  }

  closeAllForStorageFailure(): void {
    this.destroy(CLOSE_INTERNAL_ERROR, 'storage failed: your changes were not stored; reconnect to send them again')
  }
}

/**
 * One applied update on its way to storage. Its callbacks are methods rather
 * than closures: a busy room appends hundreds of thousands of these, and
 * each pair of closures cost an allocation and, under tsx, a name helper call.
 */
class UpdateWrite implements PendingAppend {
  readonly room: string
  readonly appliedAt = performance.now()

  constructor(
    private readonly target: Room,
    readonly update: Uint8Array,
    /** The frame broadcast once stored. */
    readonly frame: Uint8Array,
    readonly sender: Connection | null,
    /** The sender's count of the document message, for its stored-acknowledgement. */
    readonly senderIndex: number,
    readonly onDone?: (error?: Error) => void,
  ) {
    this.room = target.name
  }

  onStored(seq: number): void {
    this.target.updateStored(this, seq)
  }

  onFailed(error: Error): void {
    this.target.updateFailed(this, error)
  }
}

/**
 * A Room is one document being edited: its Y.Doc, its awareness, and the
 * connections of the clients editing it. Every update follows one path,
 * written out in `receiveUpdate` and `applyReceived`: decode, apply,
 * persist, broadcast. Loading is room-loader.ts, the stored log and its
 * compaction stored-log.ts, presence (awareness) room-presence.ts, and
 * whether an update may be applied update-admission.ts.
 */
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import type { Logger } from 'pino'
import { CLOSE_INTERNAL_ERROR, CLOSE_INVALID_PAYLOAD, CLOSE_MISSING_DEPENDENCIES, CLOSE_READ_ONLY, CLOSE_UNSUPPORTED_DATA } from '@ortak/protocol'
import { createReplicaDoc } from '../documents/replica-doc.js'
import { broadcastDelay } from '../metrics.js'
import {
  ProtocolError, checkDocumentUpdate, decodeClientMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdate, type HeldDocument,
} from '../protocol/messages.js'
import type { MissingClock } from '../protocol/update-guard.js'
import type { RoomDeletedError, Storage } from '../storage/storage.js'
import type { VersionAuthor } from '../storage/versions.js'
import { VersionTracker, type History, type TrackedRoom } from '../history/version-tracker.js'
import type { PendingAppend, WriteBatcher } from '../storage/write-batcher.js'
import type { Connection } from './connection.js'
import type { RoomBus } from './room-bus.js'
import { addsNothingNew } from './adds-nothing-new.js'
import { firstClocks, newPartOf } from './new-part.js'
import { clocksBefore, impossiblePlacement, unintegratedPart } from './integration-check.js'
import { RoomLoader } from './room-loader.js'
import { RoomPresence, type PresenceRoom } from './room-presence.js'
import { StoredLog, type CompactionOptions, type LoggedRoom } from './stored-log.js'
import { applyInRuns } from './transaction-runs.js'
import { FROM_ANOTHER_INSTANCE } from './transaction-origins.js'
import { updateRefusal, type UpdateLimits } from './update-admission.js'
import { HeldSnapshot, isEmptyStateVector } from './held-snapshot.js'
import { OutgoingFrame } from './outgoing-frame.js'
import { BatchBroadcast } from './batch-broadcast.js'
import { WaitingUpdates, type WaitingUpdate } from './waiting-updates.js'

export interface RoomOptions extends CompactionOptions, UpdateLimits {
  /** Automatic and named versions (history/); none when absent. */
  history?: History
}

export interface RoomHooks {
  /** The last connection left. */
  onEmpty(room: Room): void
  /**
   * Storage failed, or refused a write because the room was deleted after it
   * loaded (RoomDeletedError): the room's memory may hold changes that are
   * not stored, so it must be dropped.
   */
  onStorageFailure(room: Room, error: Error): void
  /**
   * Yjs threw while applying an update: it integrates an update client by
   * client, so part of it may be in the document. The document no longer
   * equals what is stored and must be dropped (and loaded again from storage).
   */
  onDocumentPoisoned(room: Room, error: Error): void
}

type RoomState = 'loading' | 'ready' | 'failed' | 'destroyed'

/**
 * What a reload from storage is charged per byte of the document, in bytes of
 * the sender's budget: loading a document costs the server far more per byte
 * than receiving one (about 20 ms for the 311 KB paper on the bench machine),
 * and every client of the room reconnects and syncs after it. At this rate,
 * with the default MAX_BYTES_PER_SECOND, reconnecting to make a room reload
 * again and again costs the server a few per cent of a core (`npm run bench
 * -- --only abuse`, attack misplaced-items: at 8 it cost 0.06-0.11 core-s/s
 * by the machine's load, against a budget of 0.1).
 */
const RELOAD_CHARGE_PER_BYTE = 16

// An update with no structs and an empty delete set: what a client with nothing new sends in sync step 2.
const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0

const ROOM_DOC_GUID = 'ortak-room'

/** Received updates applied at once, before the turn ends (see receiveUpdate). */
const APPLY_AT_ONCE_UPDATES = 1_000

/**
 * From this many connections, a room applies a turn's updates together and sends each client the update they
 * made (applySoon). With fewer, a turn seldom brings a room two updates, and what merging them saves is a frame
 * to a few sockets: in `npm run bench -- --only trace,fanout --servers ortak` (three runs each way) merging in
 * every room took the trace's CPU per update from 24-26 us to 30-31 (its one reader gains little from fewer
 * frames) and the 20-rooms-of-5 fanout p99 from 4.3-5.8 ms to 5.4-8.1, while it took the one room of 50 from
 * 80-84 ms to 30-35.
 */
const CROWD_CONNECTIONS = 8

export class Room implements PresenceRoom, TrackedRoom, LoggedRoom {
  // A fixed guid, not Yjs's default random uuid: making that one draws 32 numbers from WebCrypto, one
  // call each, the largest part of opening a small room (`npm run bench`, scenario connections). A guid
  // matters only to subdocuments, and a room's document is never one.
  readonly doc = createReplicaDoc({ gc: true, guid: ROOM_DOC_GUID })
  readonly awareness = new Awareness(this.doc)
  readonly connections = new Set<Connection>()
  /** Resolves once the stored document is loaded (rejects if it could not be). */
  readonly ready: Promise<void>
  private state: RoomState = 'loading'
  /** The stored snapshot while the document is still exactly it: the reply to a client holding nothing. */
  private readonly snapshot = new HeldSnapshot(this.doc)
  private readonly storedLog: StoredLog
  /** Until the load is done: a loaded room keeps nothing of it. */
  private loader: RoomLoader | null
  /** Who is here: awareness relay and policy. */
  readonly presence: RoomPresence
  /** What the guard checks a frame against: what this document already holds. */
  readonly held: HeldDocument = new DocumentClocks(this.doc)
  /** Updates received this turn and not applied yet; see applyReceived. */
  private received: ReceivedUpdate[] = []
  /** A crowded room's applyReceived waits for the turn's write batch (applySoon). */
  private isApplyScheduled = false
  private applyScheduled: (() => void) | null = null
  /** Updates that depend on changes the room lacks, held back until those arrive. */
  private readonly waiting: WaitingUpdates<ReceivedUpdate & WaitingUpdate>
  /** Who changed what since the last version, and when the next is due; null without history. */
  readonly history: VersionTracker | null

  constructor(
    readonly name: string,
    storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: RoomOptions,
    private readonly hooks: RoomHooks,
    private readonly log: Logger,
    private readonly bus?: RoomBus,
  ) {
    this.storedLog = new StoredLog(name, storage, batcher, options, this, log)
    this.presence = new RoomPresence(this.awareness, this, log)
    this.history = options.history ? new VersionTracker(this, options.history, log) : null
    this.waiting = new WaitingUpdates<ReceivedUpdate & WaitingUpdate>(options.maxPendingBytes ?? Number.POSITIVE_INFINITY)
    this.loader = new RoomLoader({
      name, doc: this.doc, snapshot: this.snapshot, connections: this.connections,
      ...(bus ? { joinOtherInstances: () => bus.join(this) } : {}),
    }, storage, log)
    this.ready = this.loader.load().then((stored) => {
      this.loader = null
      if (!stored || this.state !== 'loading') return
      this.storedLog.loaded(stored)
      this.state = 'ready'
      for (const connection of this.connections) this.greet(connection)
    })
  }

  get isReady(): boolean {
    return this.state === 'ready'
  }

  get hasUnstoredWrites(): boolean {
    return this.storedLog.hasWritesInFlight
  }

  /** The generation the room loaded (0 until it has): its writes carry it. */
  get generation(): number {
    return this.storedLog.generation
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
    this.waiting.dropFrom(connection)
    if (this.state !== 'destroyed') this.presence.connectionLeft(connection)
    if (this.connections.size === 0) this.hooks.onEmpty(this)
  }

  /** Handles one WebSocket frame; a text frame arrives as a string. */
  receive(connection: Connection, frame: Uint8Array | string): void {
    if (connection.isClosed) return
    if (typeof frame === 'string') {
      return this.refuse(connection, new ProtocolError(CLOSE_UNSUPPORTED_DATA, 'text frames are not supported: y-websocket messages are binary'))
    }
    if (this.state !== 'ready') {
      connection.holdUntilReady(frame)
      this.loader?.frameArrived()
      return
    }
    let message
    try {
      message = decodeClientMessage(frame, this.held)
    } catch (error) {
      if (error instanceof ProtocolError) return this.refuse(connection, error)
      throw error
    }
    switch (message.type) {
      case 'sync-step-1':
        return this.replyToSyncStep1(connection, message.stateVector)
      case 'sync-step-2':
        this.receiveUpdate(connection, message.update, message.missing, null)
        connection.answeredSyncStep1()
        // What this connection holds back may wait no longer; a batch under way checks it at its end.
        if (this.waiting.heldBytes > 0 && this.received.length === 0) this.checkWaitingAgain()
        return
      case 'update':
        return this.receiveUpdate(connection, message.update, message.missing, frame)
      case 'awareness': {
        const problem = this.presence.receive(connection, message.update)
        return problem ? this.refuse(connection, problem) : undefined
      }
      case 'query-awareness':
        return this.presence.sendStatesTo(connection)
    }
  }

  /**
   * Decode (done by the caller), apply, persist, broadcast. The update is
   * broadcast only from the storage callback, so any update another client
   * has seen is already on disk.
   */
  private receiveUpdate(connection: Connection, update: Uint8Array, missing: MissingClock | null, updateFrame: Uint8Array | null): void {
    if (isEmptyUpdate(update)) return connection.countNoWrite()
    // An update the document already holds (a reader's sync step 2, a client echoing what it was sent)
    // is neither stored nor relayed: it is acknowledged as stored, which it is.
    if (addsNothingNew(this.doc, update)) return connection.countNoWrite()
    if (connection.access.permission === 'read') {
      return this.refuse(connection, new ProtocolError(CLOSE_READ_ONLY, 'read-only access: document updates are refused'))
    }
    // Counted now, in the order the client sent its messages, for its stored-acknowledgements.
    const index = connection.countWrite()
    this.applySoon()
    this.received.push({ connection, update, missing, frame: updateFrame, index, isAfterAnswer: connection.hasAnsweredSyncStep1 })
    // A client sending as fast as its socket drains brings thousands in one turn: they are applied a socket read
    // at a time instead, and the write batch commits early (write-batcher.ts, MAX_BATCH_UPDATES).
    if (this.received.length === APPLY_AT_ONCE_UPDATES) queueMicrotask(() => this.applyReceived())
  }

  /**
   * Schedules applyReceived for what is received now (call it before adding to `received`). What one socket read
   * brings is applied together once the read is handled: one Yjs transaction for many updates costs half as
   * much as one each. In a crowded room, what the whole turn brings, from every client, is applied together
   * when the turn's write batch is taken, and sent to the room's clients as the update that made
   * (batch-broadcast.ts): one message for each client instead of one per update.
   */
  private applySoon(): void {
    if (this.connections.size >= CROWD_CONNECTIONS) {
      if (this.isApplyScheduled) return
      this.isApplyScheduled = true
      // Made for a crowd only: with the held snapshot's listener, made lazily too, this closure was 100 bytes of
      // every small room (bench/tools/heap-per-connection.ts ortak 3000 each).
      this.batcher.beforeNextBatch(this.applyScheduled ??= () => {
        this.isApplyScheduled = false
        this.applyReceived()
      })
    } else if (this.received.length === 0) {
      queueMicrotask(() => this.applyReceived())
    }
  }

  /**
   * Apply, persist, broadcast, for the updates received this turn, in the
   * order they arrived. One that depends on changes the room lacks is held
   * back instead (an earlier one of the batch may have brought them), and
   * applied in a later batch once they are here.
   */
  private applyReceived(): void {
    const received = this.received
    this.received = []
    if (this.state !== 'ready' || received.length === 0) return
    const applied: ReceivedUpdate[] = []
    let poison = null as PoisonedDocument | null
    // Several updates for a crowd to receive: what their transactions make is sent instead (batch-broadcast.ts).
    const madeTogether: Uint8Array[] | null = received.length > 1 && this.connections.size >= CROWD_CONNECTIONS ? [] : null
    // Only then a listener: with one, Yjs encodes every transaction's update.
    const collect = madeTogether && ((update: Uint8Array) => madeTogether.push(update))
    if (collect) this.doc.on('update', collect)
    try {
      applyInRuns(this.doc, received, (item) => {
        // A connection refused for an earlier frame of this batch sends nothing more.
        if (item.connection.isClosed) return true
        const problem = this.applyOrHold(item)
        if (problem instanceof PoisonedDocument) {
          // The reload reads the whole document again: charged to the sender, and so to its address once it is
          // closed (address-limits.ts), or reconnecting to do it again would cost it nothing.
          item.connection.rateLimiter?.charge(RELOAD_CHARGE_PER_BYTE * this.storedLog.documentBytes)
          this.refuse(item.connection, problem.refusal)
          poison = problem
          return false
        }
        if (problem) this.refuse(item.connection, problem)
        else if (problem === null) applied.push(item)
        return true
      })
    } catch (error) {
      // Yjs threw while cleaning up a transaction (its garbage collection), after updates of the batch
      // were integrated: which one caused it cannot be told, so none of them is stored.
      poison = new PoisonedDocument(error as Error)
    } finally {
      if (collect) this.doc.off('update', collect)
    }
    // Nothing of this batch is stored: its senders were not acknowledged and send it again once reconnected.
    if (poison) return this.hooks.onDocumentPoisoned(this, poison)
    if (madeTogether && applied.length > 1) {
      const batch = new BatchBroadcast(madeTogether, applied.length, soleSenderOf(applied))
      for (const { connection, update, index } of applied) this.persistThenBroadcast(update, batch, connection, index)
    } else {
      for (const { connection, update, frame, index } of applied) {
        // The frame itself is forwarded when it is an update message: no re-encoding on the hot path.
        this.persistThenBroadcast(update, frame ?? encodeUpdate(update), connection, index)
      }
    }
    if (this.waiting.heldBytes > 0) this.checkWaitingAgain()
  }

  /** Queues for the next batch what was held back and may now be applied, or refused. */
  private checkWaitingAgain(): void {
    const arrived = this.waiting.takeArrived(this.held)
    if (arrived.length === 0) return
    this.applySoon()
    this.received.push(...arrived)
  }

  /**
   * Applies one received update, or holds it back while it depends on
   * changes the room lacks: undefined if held back (or, held back before,
   * it now adds nothing), else what `apply` answers.
   */
  private applyOrHold(item: ReceivedUpdate): ProtocolError | PoisonedDocument | null | undefined {
    if (item.missing) {
      // Checked when it arrived; what the batch applied before it may have brought what it lacked.
      item.missing = checkDocumentUpdate(item.update, this.held)
      // Sent after the connection's sync step 2, or still waiting once that is applied: an honest client sends neither.
      const mayWaitLonger = !item.isAfterAnswer && !(item.wasHeld && item.connection.hasAnsweredSyncStep1)
      if (item.missing && !mayWaitLonger) return missingDependencies(item.missing)
      if (item.missing) return this.waiting.hold(item as ReceivedUpdate & WaitingUpdate) ?? undefined
      if (addsNothingNew(this.doc, item.update)) {
        item.connection.stored(item.index)
        return undefined
      }
    }
    return this.apply(item, item.connection)
  }

  /**
   * An update from the server's own API (HTTP, command line) rather than
   * from a connection: the same apply, persist, broadcast, to every
   * connection. The caller has decoded and checked it (`missing` is what
   * the update guard answered: such an update has no connection to wait
   * on, so it is refused). Resolves once it is stored and broadcast;
   * rejects with a ProtocolError if it is refused (nothing changed), or
   * with the storage error.
   */
  applyUpdate(update: Uint8Array, missing: MissingClock | null, by: VersionAuthor | null = null): Promise<void> {
    if (this.state !== 'ready') return Promise.reject(new Error(`room "${this.name}" is not loaded`))
    if (isEmptyUpdate(update)) return Promise.resolve()
    if (missing) return Promise.reject(missingDependencies(missing))
    const write: PendingWrite = { update, frame: null }
    const problem = this.apply(write, null, by)
    if (problem instanceof PoisonedDocument) {
      this.hooks.onDocumentPoisoned(this, problem)
      return Promise.reject(problem.refusal)
    }
    if (problem) return Promise.reject(problem)
    return new Promise((resolve, reject) => {
      this.persistThenBroadcast(write.update, encodeUpdate(write.update), null, 0, (error) => (error ? reject(error) : resolve()))
    })
  }

  /**
   * Applies an update to the document if the room takes it (see
   * update-admission.ts); returns why it was refused (nothing changed),
   * null, or PoisonedDocument if Yjs threw (something may have changed).
   */
  private apply(write: PendingWrite, origin: Connection | null, by: VersionAuthor | null = null): ProtocolError | PoisonedDocument | null {
    // What is stored, relayed and counted is what the document lacked, nothing it held already (new-part.ts).
    const starts = firstClocks(write.update)
    const update = newPartOf(this.doc, write.update, starts)
    if (update !== write.update) {
      write.update = update
      write.frame = null
    }
    const refusal = updateRefusal(update, this.doc, this.storedLog.documentBytes, this.options)
    if (refusal) return refusal
    let misplaced: string | null = null
    this.snapshot.applying(update)
    const { pendingStructs, pendingDs } = this.doc.store
    const heldNothingPending = pendingStructs === null && pendingDs === null
    try {
      // Checked inside the transaction that integrates it, before Yjs merges its items (integration-check.ts).
      Y.transact(this.doc, () => {
        const before = clocksBefore(this.doc, starts)
        Y.applyUpdate(this.doc, update, origin)
        misplaced = (heldNothingPending ? unintegratedPart(this.doc) : null) ?? impossiblePlacement(this.doc, before)
      }, origin)
    } catch (error) {
      return new PoisonedDocument(error as Error)
    }
    if (misplaced) return new PoisonedDocument(new Error(misplaced), `update places items where their writer could not have: ${misplaced}`)
    this.storedLog.applied(update.byteLength)
    // The one place the history hears of changes and who made them: the connection's token, or the API's caller.
    this.history?.applied(update, origin, by)
    return null
  }

  /**
   * Stores an applied update, then broadcasts it from the storage callback, as `delivery` (its message, or the
   * batch it is sent with once all of the batch is stored): whatever a client has seen is stored.
   */
  private persistThenBroadcast(
    update: Uint8Array, delivery: Uint8Array | BatchBroadcast, sender: Connection | null, senderIndex: number, onDone?: (error?: Error) => void,
  ): void {
    this.storedLog.writeStarted()
    this.batcher.append(new UpdateWrite(this, update, delivery, sender, senderIndex, onDone))
  }

  /** The storage callback of persistThenBroadcast: stored, so it may now be seen. */
  updateStored(write: UpdateWrite, seq: number): void {
    this.storedLog.writeStored(seq, write.update.byteLength)
    this.bus?.publishUpdate(this, write.update)
    const { delivery } = write
    if (!(delivery instanceof BatchBroadcast)) this.broadcast(delivery, write.sender ?? undefined)
    else if (delivery.stored()) delivery.sendTo(this.connections)
    broadcastDelay.observe((performance.now() - write.appliedAt) / 1000)
    write.sender?.stored(write.senderIndex)
    write.onDone?.()
  }

  updateFailed(write: UpdateWrite, error: Error): void {
    this.storedLog.writeFailed()
    write.onDone?.(error)
    this.hooks.onStorageFailure(this, error)
  }

  /**
   * Updates another instance stored, applied to this copy and sent to its
   * clients: only what was new here, so an update that arrives twice (or a
   * storage read holding mostly known changes) costs the clients nothing. A
   * room still loading takes them into its document without sending them;
   * its clients are greeted with everything once loaded. Nothing is
   * published: a change that came through the bus never goes back into it.
   */
  applyFromOtherInstances(updates: readonly Uint8Array[]): void {
    const news: Uint8Array[] = []
    const capture = (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_ANOTHER_INSTANCE) news.push(update)
    }
    this.doc.on('update', capture)
    try {
      applyInRuns(this.doc, updates, (update) => {
        Y.applyUpdate(this.doc, update, FROM_ANOTHER_INSTANCE)
        return true
      }, FROM_ANOTHER_INSTANCE)
    } catch (error) {
      this.hooks.onDocumentPoisoned(this, new PoisonedDocument(error as Error))
      throw error
    } finally {
      this.doc.off('update', capture)
    }
    if (this.state === 'ready') for (const update of news) this.broadcast(encodeUpdate(update))
    if (news.length > 0) this.history?.appliedElsewhere()
  }

  private replyToSyncStep1(connection: Connection, stateVector: Uint8Array): void {
    // A reply sent while writes are in flight could show a client updates that are not stored yet, so it
    // is encoded now and sent once those are stored.
    // A client that holds nothing the document has (a new one, or one naming clients it never saw) is
    // sent the whole state: a snapshot encoded once and the updates applied since (held-snapshot.ts).
    const asksForAll = isEmptyStateVector(stateVector) || !namesAHeldClock(this.doc, stateVector)
    const held = asksForAll ? this.snapshot.wholeState : null
    let frames: Uint8Array[]
    if (held) {
      // The later updates go first: the client keeps them until the snapshot they build on arrives, and
      // the sync step 2, after which a provider says it is synced, then leaves it with the whole document.
      frames = held.later.map((update) => encodeUpdate(update))
      frames.push(encodeSyncStep2(held.snapshot))
    } else {
      const state = Y.encodeStateAsUpdate(this.doc, stateVector)
      if (asksForAll) this.snapshot.hold(state)
      frames = [encodeSyncStep2(state)]
    }
    const replyBytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0)
    // Asking again and again would make the server encode the document for nothing: after the join,
    // what a reply sends is taken from the asker's byte budget as if it had sent it. The join's reply is
    // charged to the client's address, so reconnecting to ask again costs the same (address-limits.ts).
    const rate = connection.rateLimiter
    const isJoin = connection.countSyncRequest()
    if (isJoin) connection.greeted(replyBytes)
    else if (rate && !rate.admit(replyBytes)) {
      const { code, reason } = rate.refusal
      return this.refuse(connection, new ProtocolError(code, `${reason}, counting the replies to its repeated sync requests`))
    }
    this.storedLog.afterWritesInFlight(() => {
      if (this.state === 'ready') for (const frame of frames) connection.send(frame)
    })
  }

  /** What a newly connected client is sent first: the server's state vector, then who is here. */
  private greet(connection: Connection): void {
    // The state vector tells the client what it need not send again, so it must not include a change
    // that is applied but not yet stored (say, from this client's previous connection): it goes out
    // once the writes in flight now are stored.
    const syncStep1 = encodeSyncStep1(Y.encodeStateVector(this.doc))
    this.storedLog.afterWritesInFlight(() => {
      if (this.state !== 'ready') return
      connection.send(syncStep1)
      this.presence.sendStatesTo(connection)
    })
    for (const frame of connection.takeHeldFrames()) this.receive(connection, frame)
  }

  /** Runs `run` once the updates applied so far are stored (TrackedRoom): a version shows only what is stored. */
  afterStored(run: () => void): void {
    this.storedLog.afterWritesInFlight(run)
  }

  /** The name `connection` shows in its awareness, or null (TrackedRoom). */
  shownName(connection: Connection): string | null {
    return this.presence.shownName(connection)
  }

  /** Tells the other instances that `author` has unversioned changes here (TrackedRoom). */
  publishAuthor(author: VersionAuthor): void {
    this.bus?.publishAuthor(this, author)
  }

  /** Tells the other instances that this one recorded a version of the room (TrackedRoom). */
  publishVersioned(): void {
    this.bus?.publishVersioned(this)
  }

  /** Where presence publishes an awareness change this instance accepted (PresenceRoom). */
  publishAwareness(update: Uint8Array): void {
    this.bus?.publishAwareness(this, update)
  }

  /** Where presence sends an awareness frame to every client (PresenceRoom): nothing before the document is loaded. */
  broadcastAwareness(frame: Uint8Array): void {
    if (this.state === 'ready') this.broadcast(frame)
  }

  /** Sends `message` to every connection but `except`, framed once for all of them (outgoing-frame.ts). */
  broadcast(message: Uint8Array, except?: Connection): void {
    if (this.connections.size === 0 || (this.connections.size === 1 && except && this.connections.has(except))) return
    const frame = OutgoingFrame.of(message)
    for (const connection of this.connections) {
      if (connection !== except) connection.sendFrame(frame)
    }
  }

  private refuse(connection: Connection, error: ProtocolError): void {
    this.log.warn({ room: this.name, connection: connection.id, code: error.closeCode, reason: error.message }, 'closing connection: bad input')
    connection.closeWithReason(error.closeCode, error.message)
  }

  /** Replaces the stored log with one snapshot of the document; see StoredLog.compact. */
  compact(): Promise<void> {
    return this.state === 'ready' ? this.storedLog.compact() : Promise.resolve()
  }

  /** Storage refused a compaction: the room was deleted after it loaded (LoggedRoom). */
  compactionRefused(error: RoomDeletedError): void {
    this.hooks.onStorageFailure(this, error)
  }

  /** The document's whole state for a compaction, held as the snapshot a client holding nothing is sent (LoggedRoom). */
  encodeSnapshot(): Uint8Array | null {
    if (this.state !== 'ready') return null
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    this.snapshot.hold(snapshot)
    return snapshot
  }

  /** Closes every connection and frees the document, awareness and their timers. */
  destroy(code: number, reason: string): void {
    if (this.state === 'destroyed') return
    this.state = 'destroyed'
    this.loader?.cancel()
    this.history?.destroy()
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

/** Whether a state vector says its sender holds some of what `doc` holds: else the answer is the whole state. */
function namesAHeldClock(doc: Y.Doc, stateVector: Uint8Array): boolean {
  for (const [client, clock] of Y.decodeStateVector(stateVector)) {
    if (clock > 0 && doc.store.clients.has(client)) return true
  }
  return false
}

function missingDependencies({ client, clock }: MissingClock): ProtocolError {
  return new ProtocolError(CLOSE_MISSING_DEPENDENCIES, `this update depends on changes the room never received (client ${client} up to clock ${clock})`)
}

/** An update on its way to be applied and stored: `apply` cuts it to what the document lacks, and drops the frame it no longer matches. */
interface PendingWrite {
  update: Uint8Array
  /** The update message as received, forwarded as it is when the update was not cut. */
  frame: Uint8Array | null
}

/** An update received from a connection, waiting for the end of the turn to be applied. */
interface ReceivedUpdate extends PendingWrite {
  connection: Connection
  /** What the update depends on that the document lacked when it was checked. */
  missing: MissingClock | null
  index: number
  /** Sent after the connection's sync step 2. */
  isAfterAnswer: boolean
  /** Held back before (see waiting-updates.ts). */
  wasHeld?: boolean
}

/** A document's clocks as the guard reads them: methods rather than closures, as every room holds one. */
class DocumentClocks implements HeldDocument {
  constructor(private readonly doc: Y.Doc) {}

  heldClock(client: number): number {
    return Y.getState(this.doc.store, client)
  }

  isInsideSurrogatePair(client: number, boundary: number): boolean {
    const structs = this.doc.store.clients.get(client)
    if (!structs || boundary <= 0 || boundary >= Y.getState(this.doc.store, client)) return false
    const struct = structs[Y.findIndexSS(structs, boundary)]
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) return false
    const offset = boundary - struct.id.clock
    // At an item's start the pair would span two items, which Yjs never leaves whole.
    if (offset === 0) return false
    const text = struct.content.str
    return isHighSurrogate(text.charCodeAt(offset - 1)) && isLowSurrogate(text.charCodeAt(offset))
  }

  clientCount(): number {
    return this.doc.store.clients.size
  }
}

/** The connection that sent every one of `updates`, or null if several did. */
function soleSenderOf(updates: readonly ReceivedUpdate[]): Connection | null {
  const first = updates[0]!.connection
  return updates.every(({ connection }) => connection === first) ? first : null
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff

/**
 * Applying an update left the document in a state nothing stored can
 * rebuild: Yjs threw partway, or placed items whose claimed neighbours
 * cannot be true. The room is reloaded; the sender is refused with `refusal`.
 */
class PoisonedDocument extends Error {
  readonly refusal: ProtocolError

  constructor(cause: Error, refusal = `update rejected by Yjs: ${cause.message}`) {
    super(refusal, { cause })
    this.refusal = new ProtocolError(CLOSE_INVALID_PAYLOAD, refusal)
  }
}

/**
 * One applied update on its way to storage. Its callbacks are methods rather
 * than closures: a busy room appends hundreds of thousands of these, and
 * each pair of closures cost an allocation and, under tsx, a name helper call.
 */
class UpdateWrite implements PendingAppend {
  readonly room: string
  readonly generation: number
  readonly appliedAt = performance.now()

  constructor(
    private readonly target: Room,
    readonly update: Uint8Array,
    /** The message broadcast once stored, or the batch it is sent with. */
    readonly delivery: Uint8Array | BatchBroadcast,
    readonly sender: Connection | null,
    /** The sender's count of the document message, for its stored-acknowledgement. */
    readonly senderIndex: number,
    readonly onDone?: (error?: Error) => void,
  ) {
    this.room = target.name
    this.generation = target.generation
  }

  onStored(seq: number): void {
    this.target.updateStored(this, seq)
  }

  onFailed(error: Error): void {
    this.target.updateFailed(this, error)
  }
}

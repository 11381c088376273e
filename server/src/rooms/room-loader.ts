/**
 * Loading a room: reading its stored document into the room's Y.Doc, and
 * the fast path that answers clients holding nothing from the stored bytes
 * before the (slow, for a large document) apply.
 *
 * Until the load is done the room sends nothing: a client must never see
 * an empty document first. Its connections hold the frames they send; the
 * room handles them once loaded.
 */
import * as Y from 'yjs'
import type { Logger } from 'pino'
import { MESSAGE_SYNC, SYNC_STEP_1 } from '@ortak/protocol'
import { encodeSyncStep2 } from '../protocol/messages.js'
import type { LoadedRoom, Storage } from '../storage/storage.js'
import type { Connection } from './connection.js'
import { applyInRuns } from './transaction-runs.js'
import { BoundedWait } from './bounded-wait.js'
import type { HeldSnapshot } from './held-snapshot.js'

/** How long a loading room waits for its clients' first frames before applying its snapshot; see BoundedWait. */
const FIRST_FRAME_WAIT_MS = 10
/**
 * How long it then waits for its answers from the snapshot to be written to
 * their sockets. A large answer is more than a socket takes at once; what
 * is left is written as the client reads, which a client that keeps up
 * does quickly. The bound keeps a client that does not from holding up the
 * room's load for long, and is generous because a busy machine can leave
 * the server unscheduled for a while: when it runs again, an expired timer
 * is handled before the socket's writes, and a short bound would start the
 * apply with most of the answer still unwritten.
 */
const REPLY_WRITE_WAIT_MS = 1_000

/** Sync step 1 with an empty state vector, byte for byte: what a client holding nothing sends on connect. */
const isEmptySyncStep1 = (frame: Uint8Array) =>
  frame.length === 4 && frame[0] === MESSAGE_SYNC && frame[1] === SYNC_STEP_1 && frame[2] === 1 && frame[3] === 0

/** The parts of a loading room its loader reads and fills. */
export interface LoadingRoom {
  readonly name: string
  readonly doc: Y.Doc
  /** Holds the stored snapshot for as long as the document is exactly it. */
  readonly snapshot: HeldSnapshot
  /** The connections waiting for the load. */
  readonly connections: ReadonlySet<Connection>
  /**
   * Resolves once what other instances publish for the room from now on
   * reaches it; absent in the single-process default.
   */
  readonly joinOtherInstances?: () => Promise<void>
}

export class RoomLoader {
  private readonly firstFrames = new BoundedWait()
  private readonly repliesWritten = new BoundedWait()
  private isCancelled = false

  constructor(
    private readonly room: LoadingRoom,
    private readonly storage: Storage,
    private readonly log: Logger,
  ) {}

  /**
   * Reads the stored document and applies it to the room's Y.Doc. Resolves
   * with what was read, or null if the load was cancelled meanwhile (the
   * room went away); rejects if storage could not be read.
   */
  async load(): Promise<LoadedRoom | null> {
    const started = performance.now()
    const { doc } = this.room
    const isShared = this.room.joinOtherInstances !== undefined
    // Subscribed before reading: what other instances store meanwhile arrives through the bus.
    await this.room.joinOtherInstances?.()
    const stored = await this.storage.load(this.room.name)
    if (this.isCancelled) return null
    // Changes from other instances may have arrived through the bus while storage was read: then the
    // stored bytes are no longer the whole document and must not answer anyone.
    const store = doc.store
    const isUntouched = store.clients.size === 0 && store.pendingStructs === null && store.pendingDs === null
    const isSnapshotOnly = stored.updates.length === 1 && isUntouched
    // Clients that hold nothing are answered from the stored bytes before they are applied. Not with other
    // instances: what they publish while this room loads goes into the document unsent and reaches a
    // client only in the answer to its sync step 1, which must therefore come from the document.
    let isSnapshotTheWholeDocument = isSnapshotOnly
    if (isSnapshotOnly && !isShared) {
      isSnapshotTheWholeDocument = await this.answerFromSnapshot(stored.updates[0]!)
      if (this.isCancelled) return null
    }
    // In the runs the room applies updates in (see transaction-runs.ts), so the document is the one it served.
    applyInRuns(doc, stored.updates, (update) => {
      Y.applyUpdate(doc, update)
      return true
    })
    if (isSnapshotTheWholeDocument) this.room.snapshot.hold(stored.updates[0]!)
    this.log.debug({ room: this.room.name, updates: stored.updates.length, ms: +(performance.now() - started).toFixed(2) }, 'room loaded')
    return stored
  }

  /**
   * Sends the stored snapshot to every waiting client that holds nothing,
   * after a short wait for their first frames. Returns whether the document
   * is still exactly the snapshot (no change arrived meanwhile).
   */
  private async answerFromSnapshot(snapshot: Uint8Array): Promise<boolean> {
    this.room.snapshot.hold(snapshot)
    await this.firstFrames.wait(FIRST_FRAME_WAIT_MS, () => [...this.room.connections].every((c) => c.hasHeldFrames))
    if (this.isCancelled) return false
    let unwritten = 0
    if (this.room.snapshot.current !== null) {
      for (const connection of this.room.connections) {
        if (!connection.takeHeldFrame(isEmptySyncStep1)) continue
        const reply = encodeSyncStep2(snapshot)
        // The client's join, as if the room had answered it (Room.replyToSyncStep1).
        connection.countSyncRequest()
        connection.greeted(reply.byteLength)
        unwritten++
        connection.send(reply, () => {
          unwritten--
          this.repliesWritten.recheck()
        })
      }
    }
    // The answers reach their sockets before the apply holds the thread.
    await this.repliesWritten.wait(REPLY_WRITE_WAIT_MS, () => unwritten === 0)
    return this.room.snapshot.current !== null
  }

  /** A waiting connection sent a frame. */
  frameArrived(): void {
    this.firstFrames.recheck()
  }

  /** The room is going away: the load stops at its next step and resolves with null. */
  cancel(): void {
    this.isCancelled = true
    this.firstFrames.destroy()
    this.repliesWritten.destroy()
  }
}

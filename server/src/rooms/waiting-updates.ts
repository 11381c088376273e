/**
 * Updates a room holds back because they depend on changes it lacks, until
 * those arrive.
 *
 * Yjs would take such an update and keep its dependent part "pending",
 * retrying it with every later update; but what it makes of the retry
 * depends on how the updates are grouped into transactions, and the room
 * (a batch per turn), its clients (a frame at a time) and its loader (the
 * whole log at once) group them differently, so a room's memory, its
 * storage and its clients could drift apart. A room therefore gives Yjs
 * only updates it can apply whole, and stores only those.
 *
 * An honest client sends an update with a gap only for a moment: after a
 * reconnect, an edit typed before it has answered the room's sync step 1
 * with the changes the room lacks, which fill the gap. So an update is held
 * back only until its connection has sent that sync step 2; one that still
 * waits then, or arrives after it, is refused. What waits is bounded in
 * bytes per room, and dropped when its connection closes: it was never
 * acknowledged as stored, so the client sends it again once reconnected.
 */
import { CLOSE_MISSING_DEPENDENCIES } from '@ortak/protocol'
import { ProtocolError } from '../protocol/messages.js'
import type { HeldClocks, MissingClock } from '../protocol/update-guard.js'
import type { Connection } from './connection.js'

/** One update held back: what the room needs to apply it later, and the first clock it waits for. */
export interface WaitingUpdate {
  connection: Connection
  update: Uint8Array
  /** The frame to broadcast once stored (null for a sync step 2, which is broadcast as an update). */
  frame: Uint8Array | null
  /** The sender's count of the document message, for its stored-acknowledgement. */
  index: number
  missing: MissingClock
  /** Set once held back: when checked again, it may wait no longer if its connection has answered meanwhile. */
  wasHeld?: boolean
}

export class WaitingUpdates<T extends WaitingUpdate = WaitingUpdate> {
  private waiting: T[] = []
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  /** Holds `waiting` back, or says why not: the room already holds back as many bytes as it may. */
  hold(waiting: T): ProtocolError | null {
    if (this.bytes + waiting.update.byteLength > this.maxBytes) {
      return new ProtocolError(CLOSE_MISSING_DEPENDENCIES,
        `more than ${this.maxBytes} bytes of updates would wait for changes the room never received (client ${waiting.missing.client}, clock ${waiting.missing.clock})`)
    }
    waiting.wasHeld = true
    this.waiting.push(waiting)
    this.bytes += waiting.update.byteLength
    waiting.connection.holdBack(waiting.index)
    return null
  }

  /**
   * Removes and returns, in the order they arrived, the updates to check
   * again: those whose awaited clock the document now holds (they may wait
   * for more), and those whose connection has since answered the room's
   * sync step 1 (they may wait no longer). A check per update held, so only
   * as costly as the bytes held back allow.
   */
  takeArrived(held: HeldClocks): T[] {
    if (this.waiting.length === 0) return []
    const arrived: T[] = []
    const still: T[] = []
    for (const waiting of this.waiting) {
      if (waiting.connection.isClosed) continue
      if (waiting.connection.hasAnsweredSyncStep1 || held.heldClock(waiting.missing.client) > waiting.missing.clock) arrived.push(waiting)
      else still.push(waiting)
    }
    this.waiting = still
    this.bytes = still.reduce((sum, { update }) => sum + update.byteLength, 0)
    return arrived
  }

  /** Forgets what `connection` sent: it closed, and its client sends it again once reconnected. */
  dropFrom(connection: Connection): void {
    if (!this.waiting.some((waiting) => waiting.connection === connection)) return
    this.waiting = this.waiting.filter((waiting) => waiting.connection !== connection)
    this.bytes = this.waiting.reduce((sum, { update }) => sum + update.byteLength, 0)
  }

  /** Bytes held back now. */
  get heldBytes(): number {
    return this.bytes
  }
}

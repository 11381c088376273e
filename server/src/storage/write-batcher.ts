/**
 * Groups the appends of one event-loop turn, from every room, into one
 * storage transaction. One transaction per update would cost a commit per
 * keystroke; one per turn keeps "stored before broadcast" while the cost
 * of a commit is shared by everything that arrived together.
 *
 * Batches commit strictly in order: a batch starts only after the previous
 * one has committed, so callbacks run in the order the updates arrived.
 */
import type { AppendEntry, Storage } from './storage.js'
import { RoomDeletedError } from './storage.js'

/**
 * A batch commits when the turn ends, or as soon as it holds this many
 * updates. A client sending faster than the server applies fills every
 * socket read with thousands of updates, and Node reads a busy socket many
 * times before a turn ends: uncapped, a batch grew with no bound, held
 * every broadcast back until it committed, and lived long enough to be
 * promoted out of the young generation, where collecting it took a large
 * share of the server's time. The trace scenario of `npm run bench`
 * (`--only trace`) sends that way.
 */
const MAX_BATCH_UPDATES = 1_000

export interface PendingAppend extends AppendEntry {
  /** Called once the update is durably stored, with its sequence number. */
  onStored(seq: number): void
  /** Called if the update was not stored: its transaction failed, or its room was deleted since it loaded (RoomDeletedError). */
  onFailed(error: Error): void
}

export class WriteBatcher {
  private queue: PendingAppend[] = []
  /** What runs before the next batch is taken (beforeNextBatch). */
  private preparers: Array<() => void> = []
  private idleCallbacks: Array<() => void> = []
  /** Callbacks waiting for the batch now queued, and for the one now committing. */
  private afterQueued: Array<() => void> = []
  private afterFlushing: Array<() => void> = []
  private scheduled: NodeJS.Immediate | null = null
  private isFlushing = false
  private isEarlyFlushQueued = false
  private isDestroyed = false

  constructor(
    private readonly storage: Storage,
    /** Called once a batch committed, before its entries' callbacks run (which broadcast them). */
    private readonly beforeStoredCallbacks?: (batch: readonly AppendEntry[]) => void,
  ) {}

  append(entry: PendingAppend): void {
    if (this.isDestroyed) {
      entry.onFailed(new Error('storage is shutting down'))
      return
    }
    this.queue.push(entry)
    if (this.queue.length >= MAX_BATCH_UPDATES) this.flushSoon()
    else this.schedule()
  }

  /**
   * Runs `prepare` when this turn's batch is taken, before it commits, so
   * that what it appends is stored with the rest of the turn: a room
   * applies the updates that arrived in the turn then, all at once (see
   * Room.applyReceived). While a batch commits, it runs before the next.
   */
  beforeNextBatch(prepare: () => void): void {
    if (this.isDestroyed) return prepare()
    this.preparers.push(prepare)
    this.schedule()
  }

  /** Runs `callback` once everything appended so far, or about to be (beforeNextBatch), has committed (or failed). */
  whenIdle(callback: () => void): void {
    if (this.queue.length === 0 && this.preparers.length === 0 && !this.isFlushing) callback()
    else this.idleCallbacks.push(callback)
  }

  /**
   * Runs `callback` once everything appended so far has committed (or
   * failed), without waiting for what is appended later: under a steady
   * stream of writes (a commit to a remote database takes as long as the
   * gap between keystrokes) the batcher is never idle.
   */
  afterPending(callback: () => void): void {
    if (this.queue.length > 0) this.afterQueued.push(callback)
    else if (this.isFlushing) this.afterFlushing.push(callback)
    else callback()
  }

  /**
   * Fails, with `error`, every queued entry of `room` that has not started
   * committing: a room dropped after a failed write must not store later
   * updates that may depend on the one that failed.
   */
  discard(room: string, error: Error): void {
    if (!this.queue.some((entry) => entry.room === room)) return
    const discarded = this.queue.filter((entry) => entry.room === room)
    this.queue = this.queue.filter((entry) => entry.room !== room)
    if (this.queue.length === 0) {
      // Nothing is queued any more: what waited for the queued batch waits only for the one committing, if any.
      if (this.scheduled) clearImmediate(this.scheduled)
      this.scheduled = null
      const waiting = this.afterQueued
      this.afterQueued = []
      if (this.isFlushing) this.afterFlushing.push(...waiting)
      else queueMicrotask(() => {
        for (const callback of waiting) callback()
        if (this.queue.length === 0 && !this.isFlushing) this.runIdleCallbacks()
      })
    }
    for (const entry of discarded) entry.onFailed(error)
  }

  /** Resolves once everything appended so far has committed or failed. */
  drain(): Promise<void> {
    return new Promise((resolve) => this.whenIdle(resolve))
  }

  /** Fails nothing already queued: the queue is flushed first, then further appends are refused. */
  async destroy(): Promise<void> {
    await this.drain()
    this.isDestroyed = true
  }

  private schedule(): void {
    if (this.scheduled || this.isFlushing) return
    this.scheduled = setImmediate(() => {
      this.scheduled = null
      void this.flush()
    })
  }

  /** Commits a full batch once the code appending to it is done, instead of at the end of the turn. */
  private flushSoon(): void {
    if (this.isFlushing || this.isEarlyFlushQueued) return
    this.isEarlyFlushQueued = true
    queueMicrotask(() => {
      this.isEarlyFlushQueued = false
      if (this.isFlushing || this.queue.length === 0) return
      if (this.scheduled) clearImmediate(this.scheduled)
      this.scheduled = null
      void this.flush()
    })
  }

  private async flush(): Promise<void> {
    // Flushing already, so that what the preparers append schedules no flush of its own.
    this.isFlushing = true
    const preparers = this.preparers
    this.preparers = []
    for (const prepare of preparers) {
      try {
        prepare()
      } catch (error) {
        // Thrown where nothing awaits it, as it would be from its own turn, and the batch goes on.
        queueMicrotask(() => { throw error })
      }
    }
    const batch = this.queue
    this.queue = []
    this.afterFlushing = this.afterQueued
    this.afterQueued = []
    const { seqs, refusals, failure } = await this.store(batch)
    if (!failure) this.beforeStoredCallbacks?.(batch)
    // Still "flushing" while the callbacks run: a whenIdle() they call waits until all have run.
    let stored = 0
    for (const entry of batch) {
      const refusal = refusals.find((r) => r.refuses(entry))
      if (refusal) entry.onFailed(refusal)
      else if (failure) entry.onFailed(failure)
      else entry.onStored(seqs[stored++]!)
    }
    const waiting = this.afterFlushing
    this.afterFlushing = []
    for (const callback of waiting) callback()
    this.isFlushing = false
    if (this.queue.length >= MAX_BATCH_UPDATES) this.flushSoon()
    else if (this.queue.length > 0 || this.preparers.length > 0) this.schedule()
    else this.runIdleCallbacks()
  }

  /**
   * Appends the batch. A room deleted (by another instance) after it loaded
   * has its writes refused, and with them the whole transaction: the batch
   * is then appended again without them, so the other rooms' updates are
   * stored as if that room had not been in it.
   */
  private async store(batch: readonly PendingAppend[]): Promise<{ seqs: number[]; refusals: RoomDeletedError[]; failure: Error | null }> {
    const refusals: RoomDeletedError[] = []
    let remaining = batch
    for (;;) {
      if (remaining.length === 0) return { seqs: [], refusals, failure: null }
      try {
        return { seqs: await this.storage.append(remaining), refusals, failure: null }
      } catch (error) {
        // Each pass leaves out at least one write, so this ends; a refusal of none of them is a failure.
        if (!(error instanceof RoomDeletedError) || !remaining.some((entry) => error.refuses(entry))) {
          return { seqs: [], refusals, failure: error instanceof Error ? error : new Error(String(error)) }
        }
        refusals.push(error)
        remaining = remaining.filter((entry) => !error.refuses(entry))
      }
    }
  }

  private runIdleCallbacks(): void {
    const callbacks = this.idleCallbacks
    this.idleCallbacks = []
    for (const callback of callbacks) callback()
  }
}

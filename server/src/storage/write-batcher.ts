/**
 * Groups the appends of one event-loop turn, from every room, into one
 * storage transaction. One transaction per update would cost a commit per
 * keystroke; one per turn keeps "stored before broadcast" while the cost
 * of a commit is shared by everything that arrived together.
 *
 * Batches commit strictly in order: a batch starts only after the previous
 * one has committed, so callbacks run in the order the updates arrived.
 */
import type { Storage } from './storage.js'

export interface PendingAppend {
  room: string
  update: Uint8Array
  /** Called once the update is durably stored, with its sequence number. */
  onStored(seq: number): void
  /** Called if the transaction holding the update failed; nothing of it is stored. */
  onFailed(error: Error): void
}

export class WriteBatcher {
  private queue: PendingAppend[] = []
  private idleCallbacks: Array<() => void> = []
  private scheduled: NodeJS.Immediate | null = null
  private isFlushing = false
  private isDestroyed = false

  constructor(private readonly storage: Storage) {}

  get pendingCount(): number {
    return this.queue.length
  }

  append(entry: PendingAppend): void {
    if (this.isDestroyed) {
      entry.onFailed(new Error('storage is shutting down'))
      return
    }
    this.queue.push(entry)
    this.schedule()
  }

  /** Runs `callback` once everything appended so far has committed (or failed). */
  whenIdle(callback: () => void): void {
    if (this.queue.length === 0 && !this.isFlushing) callback()
    else this.idleCallbacks.push(callback)
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

  private async flush(): Promise<void> {
    const batch = this.queue
    this.queue = []
    this.isFlushing = true
    let seqs: number[] | null = null
    let failure: Error | null = null
    try {
      seqs = await this.storage.append(batch)
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error))
    }
    // Still "flushing" while the callbacks run: a whenIdle() they call waits until all have run.
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!
      if (seqs) entry.onStored(seqs[i]!)
      else entry.onFailed(failure!)
    }
    this.isFlushing = false
    if (this.queue.length > 0) this.schedule()
    else this.runIdleCallbacks()
  }

  private runIdleCallbacks(): void {
    const callbacks = this.idleCallbacks
    this.idleCallbacks = []
    for (const callback of callbacks) callback()
  }
}

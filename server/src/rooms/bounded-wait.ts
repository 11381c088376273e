/**
 * A short wait with a bound, for a loading room: it ends when its condition
 * holds (checked again on every `recheck`) or when its time is up, and
 * `destroy` ends it at once. The room loader waits this way twice before it
 * applies a stored snapshot, which holds the thread and answers nobody
 * meanwhile (`npm run bench`, scenarios cold-load and curve-document,
 * measure it): for its clients' first frames, since a stock y-websocket
 * client sends its sync step 1 the moment it is connected and one that
 * holds nothing needs only the stored bytes; and for those answers to be
 * written to their sockets, since an answer still queued when the apply
 * starts reaches its client only after it.
 */
export class BoundedWait {
  private timer: NodeJS.Timeout | null = null
  private afterInput: NodeJS.Immediate | null = null
  private finish: (() => void) | null = null
  private isSatisfied: () => boolean = () => true

  /** Resolves once `isSatisfied()` holds (checked on every `recheck`) or `ms` have passed. */
  wait(ms: number, isSatisfied: () => boolean): Promise<void> {
    if (isSatisfied()) return Promise.resolve()
    this.isSatisfied = isSatisfied
    return new Promise((resolve) => {
      this.finish = () => {
        if (this.timer) clearTimeout(this.timer)
        if (this.afterInput) clearImmediate(this.afterInput)
        this.timer = null
        this.afterInput = null
        this.finish = null
        resolve()
      }
      // A process the machine left unscheduled for a while runs its expired timers before it reads the
      // sockets that became ready meanwhile; ending on the check phase that follows lets that input in first.
      this.timer = setTimeout(() => {
        this.timer = null
        this.afterInput = setImmediate(() => this.finish?.())
      }, ms)
    })
  }

  /** What the condition reads has changed (a frame arrived, a write finished). */
  recheck(): void {
    if (this.finish && this.isSatisfied()) this.finish()
  }

  /** Ends a wait at once (the room is going away). */
  destroy(): void {
    this.finish?.()
  }
}

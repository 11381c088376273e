/**
 * A short, bounded wait for a loading room's clients to send their first
 * frame. Applying a large stored snapshot holds the thread and answers
 * nobody meanwhile (`npm run bench`, scenario cold-load, measures it); a
 * stock y-websocket client sends its sync step 1 the moment it is
 * connected, and one that holds nothing needs only the stored bytes.
 * Waiting for that frame first lets the room answer it before the apply
 * instead of after it.
 */
export class FirstFrameWait {
  private timer: NodeJS.Timeout | null = null
  private finish: (() => void) | null = null
  private isSatisfied: () => boolean = () => true

  /** Resolves once `isSatisfied()` holds (checked on every `frameArrived`) or `ms` have passed. */
  wait(ms: number, isSatisfied: () => boolean): Promise<void> {
    if (isSatisfied()) return Promise.resolve()
    this.isSatisfied = isSatisfied
    return new Promise((resolve) => {
      this.finish = () => {
        if (this.timer) clearTimeout(this.timer)
        this.timer = null
        this.finish = null
        resolve()
      }
      this.timer = setTimeout(this.finish, ms)
    })
  }

  frameArrived(): void {
    if (this.finish && this.isSatisfied()) this.finish()
  }

  /** Ends a wait at once (the room is going away). */
  destroy(): void {
    this.finish?.()
  }
}

/**
 * When to try the server again after a connection closed: exponential
 * backoff with jitter, so that after a server restart its clients do not all
 * come back in the same instant. y-websocket's own retry has no jitter, so
 * the provider hands every retry to this schedule (see create-editor.ts).
 */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in ms. */
  initialDelayMs: number
  /** Ceiling of every retry, in ms. */
  maxDelayMs: number
  /** A number in [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * The delay before retry number `attempt` (1 for the first): half of the
 * exponential ceiling for certain, the other half random ("equal jitter"),
 * so a retry is spread out but never immediate.
 */
export function backoffDelay(attempt: number, { initialDelayMs, maxDelayMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** Owns the one pending retry timer; `destroy()` clears it. */
export class ReconnectSchedule {
  private attempts = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly connect: () => void,
    private readonly options: BackoffOptions,
  ) {}

  /** Whether a retry is waiting for its time. */
  get isPending(): boolean {
    return this.timer !== undefined
  }

  /** The connection failed or closed: try again after the next delay. */
  retryLater(): void {
    this.cancel()
    this.attempts++
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.connect()
    }, backoffDelay(this.attempts, this.options))
  }

  /** Try again right away, e.g. when the browser reports it is back online. */
  retryNow(): void {
    this.cancel()
    this.connect()
  }

  /** A connection synced: the next failure starts again from the shortest delay. */
  succeeded(): void {
    this.attempts = 0
  }

  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  destroy(): void {
    this.cancel()
  }
}

/**
 * A connection's budget of messages and bytes per second: two token
 * buckets refilled continuously. A short burst passes (two seconds' worth,
 * plus one maximum-size frame for bytes, so a large paste is never
 * refused on its own); a sustained flood empties a bucket and closes the
 * connection. The check runs on every frame, so it is a few arithmetic
 * operations and no allocation.
 */
import { CLOSE_RATE_LIMITED, type Refusal } from '@ortak/protocol'

export interface RateLimits {
  maxMessagesPerSecond: number
  maxBytesPerSecond: number
  /** The largest frame the socket accepts; the byte bucket always has room for one. */
  maxPayloadBytes: number
}

const BURST_SECONDS = 2

export class RateLimiter {
  // Every connection has one: the capacities and rates are worked out from the shared `limits` when
  // needed rather than kept in four more fields each.
  private messages: number
  private bytes: number
  private lastRefill: number

  constructor(private readonly limits: RateLimits, now = Date.now()) {
    this.messages = this.messageCapacity
    this.bytes = this.byteCapacity
    this.lastRefill = now
  }

  private get messageCapacity(): number {
    return this.limits.maxMessagesPerSecond * BURST_SECONDS
  }

  private get byteCapacity(): number {
    return this.limits.maxBytesPerSecond * BURST_SECONDS + this.limits.maxPayloadBytes
  }

  private get messagesPerMs(): number {
    return this.limits.maxMessagesPerSecond / 1000
  }

  private get bytesPerMs(): number {
    return this.limits.maxBytesPerSecond / 1000
  }

  /** Takes one message of `byteLength` from the budget; false once the connection is over its rate. */
  admit(byteLength: number, now = Date.now()): boolean {
    this.refill(now)
    this.messages -= 1
    this.bytes -= byteLength
    return this.messages >= 0 && this.bytes >= 0
  }

  /** Takes `byteLength` bytes, and no message, from the budget; it may go below zero, and then refuses until refilled. */
  charge(byteLength: number, now = Date.now()): void {
    this.refill(now)
    this.bytes -= byteLength
  }

  /** A budget of another connection that starts where this one is now: spent, or still in deficit. */
  continued(now = Date.now()): RateLimiter {
    this.refill(now)
    const next = new RateLimiter(this.limits, now)
    next.messages = this.messages
    next.bytes = this.bytes
    return next
  }

  /** Lowers this budget to `other`'s where that has less left: what several connections from one place spent. */
  lowerTo(other: RateLimiter, now = Date.now()): void {
    this.refill(now)
    other.refill(now)
    this.messages = Math.min(this.messages, other.messages)
    this.bytes = Math.min(this.bytes, other.bytes)
  }

  /** Milliseconds until both buckets hold at least `share` of what a full one holds (0 if they do). */
  msUntilRefilledTo(share: number, now = Date.now()): number {
    this.refill(now)
    return Math.max(0, (share * this.messageCapacity - this.messages) / this.messagesPerMs, (share * this.byteCapacity - this.bytes) / this.bytesPerMs)
  }

  /** Forgives a deficit deeper than `seconds` of refill: frames read after a refusal say little more. */
  limitDeficit(seconds: number, now = Date.now()): void {
    this.refill(now)
    this.messages = Math.max(this.messages, -seconds * 1000 * this.messagesPerMs)
    this.bytes = Math.max(this.bytes, -seconds * 1000 * this.bytesPerMs)
  }

  /** Whether the budget is as full as a new one: remembering it then makes no difference. */
  isFull(now = Date.now()): boolean {
    this.refill(now)
    return this.messages >= this.messageCapacity && this.bytes >= this.byteCapacity
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.lastRefill)
    this.lastRefill = now
    this.messages = Math.min(this.messageCapacity, this.messages + elapsed * this.messagesPerMs)
    this.bytes = Math.min(this.byteCapacity, this.bytes + elapsed * this.bytesPerMs)
  }

  /**
   * Gives back the message a frame took, for one that turned out to cost
   * the room nothing (a true awareness echo, see awareness-echo.ts). Its
   * bytes are never given back: the frame was read and decoded in full
   * before it could be recognised, so a flood of them still costs.
   */
  refundMessage(): void {
    this.messages = Math.min(this.messageCapacity, this.messages + 1)
  }

  /** Why the last refused message was refused. */
  get refusal(): Refusal {
    const reason = this.messages < 0
      ? `rate limit: more than ${this.limits.maxMessagesPerSecond} messages per second`
      : `rate limit: more than ${this.limits.maxBytesPerSecond} bytes per second`
    return { code: CLOSE_RATE_LIMITED, reason }
  }
}

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
  private messages: number
  private bytes: number
  private lastRefill: number
  private readonly messageCapacity: number
  private readonly byteCapacity: number
  private readonly messagesPerMs: number
  private readonly bytesPerMs: number

  constructor(private readonly limits: RateLimits, now = Date.now()) {
    this.messageCapacity = limits.maxMessagesPerSecond * BURST_SECONDS
    this.byteCapacity = limits.maxBytesPerSecond * BURST_SECONDS + limits.maxPayloadBytes
    this.messagesPerMs = limits.maxMessagesPerSecond / 1000
    this.bytesPerMs = limits.maxBytesPerSecond / 1000
    this.messages = this.messageCapacity
    this.bytes = this.byteCapacity
    this.lastRefill = now
  }

  /** Takes one message of `byteLength` from the budget; false once the connection is over its rate. */
  admit(byteLength: number, now = Date.now()): boolean {
    const elapsed = now - this.lastRefill
    this.lastRefill = now
    this.messages = Math.min(this.messageCapacity, this.messages + elapsed * this.messagesPerMs) - 1
    this.bytes = Math.min(this.byteCapacity, this.bytes + elapsed * this.bytesPerMs) - byteLength
    return this.messages >= 0 && this.bytes >= 0
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

import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limiter.js'

const limits = { maxMessagesPerSecond: 10, maxBytesPerSecond: 1000, maxPayloadBytes: 5000 }

describe('RateLimiter', () => {
  it('lets a burst of two seconds’ worth of messages through, then refuses the next at the same instant', () => {
    const limiter = new RateLimiter(limits, 0)
    for (let i = 0; i < 20; i++) expect(limiter.admit(1, 0)).toBe(true)
    expect(limiter.admit(1, 0)).toBe(false)
    expect(limiter.refusal).toEqual({ code: 4529, reason: 'rate limit: more than 10 messages per second' })
  })

  it('refills continuously: the sustained rate passes indefinitely', () => {
    const limiter = new RateLimiter(limits, 0)
    for (let t = 0; t < 60_000; t += 100) expect(limiter.admit(100, t)).toBe(true)
  })

  it('admits one frame as large as the largest payload on top of the byte burst, but not a flood of bytes', () => {
    const limiter = new RateLimiter(limits, 0)
    expect(limiter.admit(5000, 0)).toBe(true)
    expect(limiter.admit(2000, 0)).toBe(true)
    expect(limiter.admit(1, 0)).toBe(false)
    expect(limiter.refusal.reason).toBe('rate limit: more than 1000 bytes per second')
  })

  it('gives back a refunded message but never its bytes', () => {
    const limiter = new RateLimiter(limits, 0)
    for (let i = 0; i < 100; i++) {
      expect(limiter.admit(70, 0)).toBe(true)
      limiter.refundMessage()
    }
    expect(limiter.admit(70, 0)).toBe(false)
    expect(limiter.refusal.reason).toBe('rate limit: more than 1000 bytes per second')
  })

  it('recovers after a pause', () => {
    const limiter = new RateLimiter(limits, 0)
    for (let i = 0; i < 20; i++) limiter.admit(1, 0)
    expect(limiter.admit(1, 2_000)).toBe(true)
  })
})

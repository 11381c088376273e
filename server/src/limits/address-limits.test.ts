import { describe, expect, it } from 'vitest'
import { AddressLimits } from './address-limits.js'

const settings = { maxConnectionsPerSecondPerAddress: 2, maxMessagesPerSecond: 10, maxBytesPerSecond: 1000, maxPayloadBytes: 1000 }

describe('AddressLimits', () => {
  it('hands a new connection what the closed ones of its address left, and refuses the address until a tenth of a budget is back', () => {
    const limits = new AddressLimits(settings)
    expect(limits.admit('a', 0)).toBeNull()
    const first = limits.opened('a', 0)
    for (let i = 0; i < 21; i++) first.admit(1, 0)
    limits.closed('a', first, 0)
    // One message in deficit, and a tenth of twenty to come back: 300 ms at ten a second.
    expect(limits.admit('a', 0)).toMatchObject({ retryAfterSeconds: 1, reason: expect.stringContaining('messages') })
    expect(limits.admit('b', 0)).toBeNull()
    expect(limits.admit('a', 300)).toBeNull()
    const second = limits.opened('a', 300)
    expect([1, 2, 3].map(() => second.admit(1, 300))).toEqual([true, true, false])
  })

  it('charges a greeting to the address, and forgives a deficit deeper than a second of refill', () => {
    const limits = new AddressLimits(settings)
    expect(limits.admit('a', 0)).toBeNull()
    const budget = limits.opened('a', 0)
    limits.greetingChargeFor('a')!.chargeGreeting(1_000_000, 0)
    limits.closed('a', budget, 0)
    // A budget of 3000 bytes, 1000 in deficit at most: back to a tenth (300) in 1.3 s.
    expect(limits.admit('a', 1_200)).not.toBeNull()
    expect(limits.admit('a', 1_300)).toBeNull()
  })

  it('remembers an idle address only until its budgets are full again', () => {
    const limits = new AddressLimits(settings, 2)
    for (const address of ['a', 'b', 'c']) {
      expect(limits.admit(address, 0)).toBeNull()
      limits.closed(address, limits.opened(address, 0), 0)
    }
    expect(limits.size).toBe(3)
    // Swept as connections come: the ones full again are forgotten.
    expect(limits.admit('d', 5_000)).toBeNull()
    expect(limits.size).toBe(1)
    limits.destroy()
    expect(limits.size).toBe(0)
  })

  it('holds a refusal back until the address may connect again, a few at a time per address, and answers them all when destroyed', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const timeoutsBefore = timeouts()
    const limits = new AddressLimits({ ...settings, maxConnectionsPerSecondPerAddress: 1 })
    expect(limits.admit('a')).toBeNull()
    expect(limits.admit('a')).toBeNull()
    const refusal = limits.admit('a')!
    expect(refusal.retryAfterMs).toBeGreaterThan(900)
    let answered = 0
    const held = Array.from({ length: 6 }, () => limits.holdRefusal('a', refusal).then(() => answered++))
    // Past four held for one address, a refusal is answered at once.
    await new Promise((resolve) => setImmediate(resolve))
    expect(answered).toBe(2)
    limits.destroy()
    await Promise.all(held)
    expect(answered).toBe(6)
    expect(timeouts()).toBe(timeoutsBefore)
  })

  it('keeps at most its bound of idle addresses still in deficit, forgetting those remembered longest', () => {
    const limits = new AddressLimits(settings, 2)
    for (const address of ['a', 'b', 'c']) {
      expect(limits.admit(address, 0)).toBeNull()
      const budget = limits.opened(address, 0)
      limits.greetingChargeFor(address)!.chargeGreeting(1_000_000, 0)
      limits.closed(address, budget, 0)
    }
    expect(limits.admit('d', 1_000)).toBeNull()
    expect(limits.size).toBe(2)
    // "c" is still remembered, and still in deficit; "a" was forgotten, and starts anew.
    expect(limits.admit('c', 1_000)).not.toBeNull()
    expect(limits.admit('a', 1_000)).toBeNull()
  })
})

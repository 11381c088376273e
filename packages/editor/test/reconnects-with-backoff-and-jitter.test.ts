import { afterEach, describe, expect, it } from 'vitest'
import { ReconnectSchedule, backoffDelay } from '../src/reconnect.js'

describe('backoffDelay', () => {
  const options = { initialDelayMs: 500, maxDelayMs: 5_000 }
  it('doubles per attempt up to the ceiling, with half of each delay random', () => {
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(250)
    expect(backoffDelay(1, { ...options, random: () => 0.999 })).toBe(500)
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(1_000)
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(1_500)
    expect(backoffDelay(10, { ...options, random: () => 0 })).toBe(2_500)
    expect(backoffDelay(50, { ...options, random: () => 0.999 })).toBeLessThanOrEqual(5_000)
  })
})

describe('ReconnectSchedule', () => {
  const schedules: ReconnectSchedule[] = []
  afterEach(() => {
    for (const schedule of schedules.splice(0)) schedule.destroy()
  })
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('connects again after the backoff delay, once per failure', async () => {
    let connects = 0
    const schedule = new ReconnectSchedule(() => connects++, { initialDelayMs: 20, maxDelayMs: 40 })
    schedules.push(schedule)
    schedule.retryLater()
    schedule.retryLater() // a second failure report replaces the pending retry
    expect(schedule.isPending).toBe(true)
    expect(connects).toBe(0)
    await settle(100)
    expect(connects).toBe(1)
    expect(schedule.isPending).toBe(false)
  })

  it('connects at once when asked, and never after destroy()', async () => {
    let connects = 0
    const schedule = new ReconnectSchedule(() => connects++, { initialDelayMs: 20, maxDelayMs: 40 })
    schedules.push(schedule)
    schedule.retryLater()
    schedule.retryNow()
    expect(connects).toBe(1)
    schedule.retryLater()
    schedule.destroy()
    expect(schedule.isPending).toBe(false)
    await settle(100)
    expect(connects).toBe(1)
  })
})

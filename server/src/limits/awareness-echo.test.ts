import { describe, expect, it } from 'vitest'
import { SentStates } from './awareness-echo.js'

const state = (clientId: number, clock: number) => ({ clientId, clock, isRemoval: false })
const removal = (clientId: number, clock: number) => ({ clientId, clock, isRemoval: true })

describe('SentStates', () => {
  it('takes a state sent to the connection as an echo once', () => {
    const sent = new SentStates()
    sent.sent([state(1, 5), state(2, 3)])
    expect(sent.takeEcho([state(1, 5), state(2, 3)])).toBe(true)
    expect(sent.takeEcho([state(1, 5)])).toBe(false)
    expect(sent.takeEcho([state(2, 3)])).toBe(false)
  })

  it('does not take a state it never sent, or a frame only partly echoed, or an empty one', () => {
    const sent = new SentStates()
    sent.sent([state(1, 5)])
    expect(sent.takeEcho([state(1, 0)])).toBe(false)
    expect(sent.takeEcho([state(1, 6)])).toBe(false)
    expect(sent.takeEcho([state(9, 0)])).toBe(false)
    expect(sent.takeEcho([state(1, 5), state(9, 1)])).toBe(false)
    expect(sent.takeEcho([])).toBe(false)
    expect(sent.takeEcho([state(1, 5)])).toBe(true)
  })

  it('takes an echo that comes after the next state was sent, and forgets the states sent before it', () => {
    const sent = new SentStates()
    sent.sent([state(1, 5)])
    sent.sent([state(1, 6)])
    sent.sent([state(1, 7)])
    expect(sent.takeEcho([state(1, 6)])).toBe(true)
    expect(sent.takeEcho([state(1, 5)])).toBe(false)
    expect(sent.takeEcho([state(1, 7)])).toBe(true)
  })

  it('never takes a clock it skipped, however far the clocks sent jumped', () => {
    const sent = new SentStates()
    sent.sent([state(1, 1)])
    sent.sent([state(1, 1_000_000)])
    expect(sent.takeEcho([state(1, 500)])).toBe(false)
    expect(sent.takeEcho([state(1, 1)])).toBe(false)
    expect(sent.takeEcho([state(1, 1_000_000)])).toBe(true)
  })

  it('forgets a client once its removal is sent', () => {
    const sent = new SentStates()
    sent.sent([state(1, 5)])
    sent.sent([removal(1, 5)])
    expect(sent.takeEcho([state(1, 5)])).toBe(false)
    expect(sent.takeEcho([removal(1, 5)])).toBe(false)
  })
})

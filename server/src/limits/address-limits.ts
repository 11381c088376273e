/**
 * Limits per client address that a reconnect does not reset. Every other
 * limit belongs to one connection, so a client closed for going over one
 * could reconnect at once with a fresh budget, and each reconnect costs
 * the server a greeting (the room's state vector, its awareness, and the
 * answer to the client's first sync step 1, which may be the whole
 * document). Per address, then: connections opened per second, and the
 * message and byte budget, which a new connection takes over from the
 * connections of that address that closed before it, and to which the
 * answer to each connection's first sync step 1 is charged. A connection
 * from an address whose budget is low is refused until it holds a tenth
 * of a full one again, so a new connection never starts with nothing (the
 * stock provider sends a few messages as it joins). A deficit deeper than
 * one second of refill is forgiven: many clients may share an address
 * (behind a NAT), and the frames an attacker's socket still had in flight
 * when it was closed say no more than the refusal did.
 *
 * A refused upgrade is answered only once the address may connect again
 * (a second at most): answered at once, a client that retries at once
 * (no stock provider does, an attacker may) would cost the server an HTTP
 * request per retry, as much as the connections refused.
 *
 * Memory stays bounded: an address is remembered only while it has a
 * connection open or its budgets are not yet full again (a few seconds),
 * and at most `maxIdleAddresses` of the latter; swept as connections come.
 * Refusals held back are at most MAX_HELD_PER_ADDRESS per address, each
 * with a timer that `destroy()` clears.
 */
import { RateLimiter, type RateLimits } from './rate-limiter.js'

export interface AddressLimitSettings extends RateLimits {
  /** Connections one address may open per second (bursts of two seconds' worth pass). */
  maxConnectionsPerSecondPerAddress: number
}

/** Why a connection from an address is refused now, and when to try again. */
export interface AddressRefusal {
  reason: string
  retryAfterSeconds: number
  /** When the address may connect again, in milliseconds from now. */
  retryAfterMs: number
}

const BURST_SECONDS = 2
/** Idle addresses remembered at most; past it the one remembered longest is forgotten. */
const MAX_IDLE_ADDRESSES = 10_000
/** How often, at most, idle addresses are swept. */
const SWEEP_EVERY_MS = 1_000
/** The share of a full budget an address must hold again before it may open another connection. */
const SHARE_TO_CONNECT = 0.1
/** The deepest deficit an address keeps, in seconds of refill. */
const MAX_DEFICIT_SECONDS = 1
/** The longest a refusal is held back before it is answered. */
const MAX_HOLD_MS = 1_000
/** Refusals held back at once for one address; past it they are answered at once. */
const MAX_HELD_PER_ADDRESS = 4

/** Where the answer to a connection's first sync step 1 is charged: its address. */
export interface GreetingCharge {
  chargeGreeting(bytes: number, now?: number): void
}

/** What one address has spent. Its connections hold it as their GreetingCharge, so they need no closure of their own for it. */
class AddressBudget implements GreetingCharge {
  openConnections = 0
  heldRefusals = 0
  private connects: number
  private lastConnect: number

  constructor(readonly budget: RateLimiter, private readonly connectCapacity: number, now: number) {
    this.connects = connectCapacity
    this.lastConnect = now
  }

  /** Takes one connection from the connection budget; false if none is left. */
  takeConnect(perMs: number, now: number): boolean {
    this.refillConnects(perMs, now)
    if (this.connects < 1) return false
    this.connects -= 1
    return true
  }

  /** The answer to a connection's first sync step 1 went out: `bytes` taken from this address's budget. */
  chargeGreeting(bytes: number, now = Date.now()): void {
    this.budget.charge(bytes, now)
    this.budget.limitDeficit(MAX_DEFICIT_SECONDS, now)
  }

  msUntilConnect(perMs: number, now: number): number {
    this.refillConnects(perMs, now)
    return Math.max(0, (1 - this.connects) / perMs)
  }

  isForgettable(perMs: number, now: number): boolean {
    this.refillConnects(perMs, now)
    return this.openConnections === 0 && this.heldRefusals === 0 && this.connects >= this.connectCapacity && this.budget.isFull(now)
  }

  private refillConnects(perMs: number, now: number): void {
    this.connects = Math.min(this.connectCapacity, this.connects + Math.max(0, now - this.lastConnect) * perMs)
    this.lastConnect = now
  }
}

export class AddressLimits {
  private addresses = new Map<string, AddressBudget>()
  private readonly held = new Map<NodeJS.Timeout, () => void>()
  private lastSweep = 0
  private readonly connectsPerMs: number

  constructor(private readonly settings: AddressLimitSettings, private readonly maxIdleAddresses = MAX_IDLE_ADDRESSES) {
    this.connectsPerMs = settings.maxConnectionsPerSecondPerAddress / 1000
  }

  /**
   * Counts an upgrade from `address`, or says why it is refused: more
   * connections opened per second than allowed, or a budget in deficit.
   * Counted whether or not the connection then opens.
   */
  admit(address: string, now = Date.now()): AddressRefusal | null {
    this.sweep(now)
    const known = this.known(address, now)
    const deficitMs = known.budget.msUntilRefilledTo(SHARE_TO_CONNECT, now)
    if (deficitMs > 0) {
      return refusal(`rate limit: this address sent more than ${this.settings.maxMessagesPerSecond} messages or ${this.settings.maxBytesPerSecond} bytes per second`, deficitMs)
    }
    if (!known.takeConnect(this.connectsPerMs, now)) {
      return refusal(`rate limit: this address opened more than ${this.settings.maxConnectionsPerSecondPerAddress} connections per second`,
        known.msUntilConnect(this.connectsPerMs, now))
    }
    return null
  }

  /**
   * Resolves when a refusal for `address` should be answered: once the
   * address may connect again (a second at most), at once past the refusals
   * held for it already, or when this is destroyed.
   */
  holdRefusal(address: string, { retryAfterMs }: AddressRefusal): Promise<void> {
    const known = this.addresses.get(address)
    if (!known || known.heldRefusals >= MAX_HELD_PER_ADDRESS) return Promise.resolve()
    known.heldRefusals++
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer)
        this.held.delete(timer)
        known.heldRefusals--
        resolve()
      }
      const timer = setTimeout(release, Math.min(MAX_HOLD_MS, retryAfterMs))
      this.held.set(timer, release)
    })
  }

  /** An admitted connection from `address` opened: its budget starts with what the address has left. */
  opened(address: string, now = Date.now()): RateLimiter {
    const known = this.known(address, now)
    known.openConnections++
    return known.budget.continued(now)
  }

  private known(address: string, now: number): AddressBudget {
    let known = this.addresses.get(address)
    if (!known) {
      known = new AddressBudget(new RateLimiter(this.settings, now), this.settings.maxConnectionsPerSecondPerAddress * BURST_SECONDS, now)
      this.addresses.set(address, known)
    }
    return known
  }

  /**
   * Where the greetings of `address`'s connections are charged: its budget,
   * remembered while any of them is open (from `opened` to `closed`).
   */
  greetingChargeFor(address: string): GreetingCharge | undefined {
    return this.addresses.get(address)
  }

  /** A connection from `address` closed: what its `budget` (from `opened`) has left is what the address has left. */
  closed(address: string, budget: RateLimiter, now = Date.now()): void {
    const known = this.addresses.get(address)
    if (!known) return
    known.openConnections--
    known.budget.lowerTo(budget, now)
    known.budget.limitDeficit(MAX_DEFICIT_SECONDS, now)
  }

  /** Addresses remembered now, for tests and metrics. */
  get size(): number {
    return this.addresses.size
  }

  /** Answers every refusal held back and forgets every address. */
  destroy(): void {
    for (const release of [...this.held.values()]) release()
    this.addresses.clear()
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    let idle = 0
    for (const [address, known] of this.addresses) {
      if (known.isForgettable(this.connectsPerMs, now)) this.addresses.delete(address)
      else if (known.openConnections === 0) idle++
    }
    // Still too many in deficit: forget those remembered longest (Map order is insertion order).
    for (const [address, known] of this.addresses) {
      if (idle < this.maxIdleAddresses) break
      if (known.openConnections > 0) continue
      this.addresses.delete(address)
      idle--
    }
  }
}

function refusal(reason: string, retryAfterMs: number): AddressRefusal {
  return { reason, retryAfterMs, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) }
}

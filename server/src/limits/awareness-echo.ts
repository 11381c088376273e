/**
 * Recognises true awareness echoes. The stock y-websocket provider sends
 * back every awareness change it hears from the server (its update handler
 * does not look at the origin), so in a room of N clients each cursor move
 * comes back N-1 times. An echo changes nothing in the room: it is neither
 * applied nor relayed (relaying would make every move cost N² frames) nor
 * counted against the sender's message rate (its rate would grow with the
 * room's activity, not its own).
 *
 * Only a state the room sent this very connection is an echo: the same
 * client id at the same clock. Awareness that merely changes nothing (a
 * clock 0, an old clock, a state sent to someone else) is not, or a client
 * could send it without limit; and a state sent once is echoed for free
 * once. A provider echoes each state the moment it arrives, so its echoes
 * of one client come in the order they were sent, and one may come after
 * the room has already sent it the next state of that client: what is
 * remembered per client is the run of consecutive clocks sent and not yet
 * echoed: two numbers, however busy the room.
 */

/** An awareness entry as far as echoes are concerned. */
interface StateAtClock {
  clientId: number
  clock: number
  isRemoval: boolean
}

/** Clocks `low` to `high` of one client were each sent and are not echoed yet; none when `low > high`. */
interface UnechoedClocks {
  low: number
  high: number
}

/** The awareness states a room sent one connection, and which of them it may still echo for free. */
export class SentStates {
  /** By client id; null until a state is sent, since every connection has one of these and many are sent none. */
  private unechoed: Map<number, UnechoedClocks> | null = null

  /** The room sent the connection these entries. */
  sent(entries: Iterable<StateAtClock>): void {
    for (const { clientId, clock, isRemoval } of entries) {
      // A client leaving is rare, and forgetting it keeps this to the room's present clients.
      if (isRemoval) {
        this.unechoed?.delete(clientId)
        continue
      }
      const clocks = this.unechoed?.get(clientId)
      if (!clocks) (this.unechoed ??= new Map()).set(clientId, { low: clock, high: clock })
      else if (clock === clocks.high + 1) clocks.high = clock
      else if (clock > clocks.high) clocks.low = clocks.high = clock
    }
  }

  /**
   * True if every entry is a state the connection was sent and has not
   * echoed yet; those states then count as echoed, with any sent before
   * them, which a provider would have echoed first.
   */
  takeEcho(entries: readonly StateAtClock[]): boolean {
    const unechoed = this.unechoed
    if (entries.length === 0 || !unechoed) return false
    for (const { clientId, clock } of entries) {
      const clocks = unechoed.get(clientId)
      if (!clocks || clock < clocks.low || clock > clocks.high) return false
    }
    for (const { clientId, clock } of entries) {
      const clocks = unechoed.get(clientId)!
      clocks.low = Math.max(clocks.low, clock + 1)
    }
    return true
  }
}

/**
 * Which other instances are alive, judged by when each was last heard
 * from. Pure bookkeeping: the caller passes the clock and decides what a
 * gone instance means.
 */
export class PeerTracker {
  private readonly lastHeard = new Map<string, number>()

  constructor(private readonly timeoutMs: number) {}

  /** Records that `peer` was heard from at `now`; returns true if it was not known to be alive. */
  heard(peer: string, now: number): boolean {
    const isNew = !this.lastHeard.has(peer)
    this.lastHeard.set(peer, now)
    return isNew
  }

  /** Forgets `peer` (it said goodbye); returns true if it was known. */
  forget(peer: string): boolean {
    return this.lastHeard.delete(peer)
  }

  /**
   * Counts every known peer as heard at `now`. After our own outage their
   * silence was ours: they get a full timeout to be heard again.
   */
  heardAllAt(now: number): void {
    for (const peer of this.lastHeard.keys()) this.lastHeard.set(peer, now)
  }

  /** Removes and returns the peers not heard from for the timeout. */
  expire(now: number): string[] {
    const gone: string[] = []
    for (const [peer, at] of this.lastHeard) {
      if (now - at >= this.timeoutMs) gone.push(peer)
    }
    for (const peer of gone) this.lastHeard.delete(peer)
    return gone
  }

  get alive(): string[] {
    return [...this.lastHeard.keys()]
  }
}

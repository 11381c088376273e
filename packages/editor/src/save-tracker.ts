/**
 * Which of this client's changes the server has durably stored.
 *
 * y-websocket has no acknowledgement, so the Ortak server adds one: on a
 * connection opened with `?ack=1` it sends [100][N] meaning "the first N
 * document messages (sync step 2 or update) you sent on this connection are
 * stored". A count of messages is only useful once it is mapped back to
 * changes: each connection keeps a ledger of how many local changes had been
 * made when each of its document messages was sent. A sync step 2 carries
 * everything the server lacked, deletions included, so it covers every change
 * made before it, also those sent on earlier connections that were never
 * confirmed; an update message covers the change it carries and, as the
 * server stores a connection's messages in order, everything before it.
 */
export class SaveTracker {
  private changesMade: number
  private changesStored = 0
  private readonly listeners = new Set<() => void>()

  /** `unsavedFromEarlierSession`: changes a previous page left unconfirmed (kept with the offline copy). */
  constructor(unsavedFromEarlierSession = 0) {
    this.changesMade = unsavedFromEarlierSession
  }

  /** Local changes the server has not yet confirmed as stored. */
  get unsavedChanges(): number {
    return this.changesMade - this.changesStored
  }

  /** Counts one local change (a Y.Doc transaction made here, not received from the server). */
  localChange(): void {
    this.changesMade++
    this.notify()
  }

  /** Adds changes a previous page left unconfirmed, found once the offline copy has loaded. */
  addUnsavedFromEarlierSession(count: number): void {
    if (count <= 0) return
    this.changesMade += count
    this.notify()
  }

  /** A ledger for one new connection; the server counts each connection's messages from 1. */
  openLedger(): ConnectionLedger {
    return new ConnectionLedger(() => this.changesMade, (covered) => this.confirm(covered))
  }

  /** Calls `listener` whenever the number of unsaved changes may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private confirm(changesCovered: number): void {
    if (changesCovered <= this.changesStored) return
    this.changesStored = changesCovered
    this.notify()
  }

  private notify(): void {
    for (const listener of this.listeners) listener()
  }
}

/** The document messages sent on one connection, each with the number of local changes it covers. */
export class ConnectionLedger {
  private messagesSent = 0
  // [message index, changes covered], oldest first; dropped once confirmed.
  private readonly unconfirmed: Array<[number, number]> = []

  constructor(
    private readonly changesMadeSoFar: () => number,
    private readonly confirm: (changesCovered: number) => void,
  ) {}

  /** A sync step 2 or update message went out on this connection. */
  documentMessageSent(): void {
    this.unconfirmed.push([++this.messagesSent, this.changesMadeSoFar()])
  }

  /** The server stored the first `count` document messages of this connection. */
  stored(count: number): void {
    let covered: number | undefined
    while (this.unconfirmed.length > 0 && this.unconfirmed[0]![0] <= count) covered = this.unconfirmed.shift()![1]
    if (covered !== undefined) this.confirm(covered)
  }
}

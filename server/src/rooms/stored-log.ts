/**
 * A room's document as storage holds it: a snapshot plus a log of updates
 * appended after it. This keeps the room's account of that log (its
 * generation, last sequence number, how many updates and bytes it holds,
 * the writes still on their way) and decides when the log is compacted
 * into one snapshot.
 */
import type { Logger } from 'pino'
import { RoomDeletedError, type LoadedRoom, type Storage } from '../storage/storage.js'
import type { WriteBatcher } from '../storage/write-batcher.js'

export interface CompactionOptions {
  /** The log is compacted once it holds this many updates... */
  compactAfterUpdates: number
  /** ...or this many bytes. */
  compactAfterBytes: number
}

/** The room whose log this is, as the log needs it (the Room itself: no closures kept per room). */
export interface LoggedRoom {
  /** The document's whole state encoded now, or null if the room can no longer be compacted (it failed or is gone). */
  encodeSnapshot(): Uint8Array | null
  /** Storage refused a compaction: the room was deleted after it loaded, and its document must go. */
  compactionRefused(error: RoomDeletedError): void
}

export class StoredLog {
  private loadedGeneration = 0
  private lastSeq = 0
  private count = 0
  private bytes = 0
  private writesInFlight = 0
  private isCompactionScheduled = false
  /** The compaction running now, if any. */
  private running: Promise<void> | null = null
  /** The document's size as stored: snapshot plus logged updates, counted as they are applied. */
  private storedDocumentBytes = 0

  constructor(
    private readonly room: string,
    private readonly storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: CompactionOptions,
    private readonly owner: LoggedRoom,
    private readonly log: Logger,
  ) {}

  /** What the room's load read from storage. */
  loaded(stored: LoadedRoom): void {
    this.loadedGeneration = stored.generation
    this.lastSeq = stored.lastSeq
    this.count = stored.logCount
    this.bytes = stored.logBytes
    this.storedDocumentBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0)
  }

  /** The room's generation when it loaded: every write of it carries this, and is refused once the room was deleted. */
  get generation(): number {
    return this.loadedGeneration
  }

  /** The document's size once every applied update is stored: the size the document limit applies to. */
  get documentBytes(): number {
    return this.storedDocumentBytes
  }

  get hasWritesInFlight(): boolean {
    return this.writesInFlight > 0
  }

  /** An update of `bytes` was applied to the document; it is handed to storage next. */
  applied(bytes: number): void {
    this.storedDocumentBytes += bytes
  }

  /** An applied update was handed to storage. */
  writeStarted(): void {
    this.writesInFlight++
  }

  /** An update handed to storage is stored, as log entry `seq`. */
  writeStored(seq: number, bytes: number): void {
    this.writesInFlight--
    this.lastSeq = seq
    this.count++
    this.bytes += bytes
    this.scheduleCompactionIfDue()
  }

  /** A write failed: the room is dropped, so its account no longer matters beyond this count. */
  writeFailed(): void {
    this.writesInFlight--
  }

  /**
   * Runs `send` once the writes in flight now are stored: what it sends may
   * then show what they hold. It does not wait for writes that start later:
   * a busy room on a remote database is never idle.
   */
  afterWritesInFlight(send: () => void): void {
    if (this.writesInFlight > 0) this.batcher.afterPending(send)
    else send()
  }

  private scheduleCompactionIfDue(): void {
    if (this.isCompactionScheduled) return
    if (this.count < this.options.compactAfterUpdates && this.bytes < this.options.compactAfterBytes) return
    this.isCompactionScheduled = true
    this.batcher.whenIdle(() => {
      this.isCompactionScheduled = false
      void this.compact()
    })
  }

  /**
   * Replaces the stored log with one snapshot of the document. Runs only
   * when no write of this room is in flight, so the snapshot holds exactly
   * what is stored through `lastSeq`, and one at a time: a call while one
   * runs waits for it and then compacts what was logged meanwhile.
   */
  compact(): Promise<void> {
    if (!this.running) {
      this.running = this.compactNow().finally(() => {
        this.running = null
      })
      return this.running
    }
    return this.running.then(() => this.compact())
  }

  private async compactNow(): Promise<void> {
    if (this.count === 0) return
    if (this.writesInFlight > 0) {
      this.scheduleCompactionIfDue()
      return
    }
    const snapshot = this.owner.encodeSnapshot()
    if (!snapshot) return
    const throughSeq = this.lastSeq
    const before = { count: this.count, bytes: this.bytes, documentBytes: this.storedDocumentBytes }
    try {
      await this.storage.compact(this.room, snapshot, throughSeq, this.loadedGeneration)
    } catch (error) {
      if (error instanceof RoomDeletedError) return this.owner.compactionRefused(error)
      // The log is still intact; compaction is retried after the next write.
      this.log.error({ room: this.room, err: error }, 'compaction failed')
      return
    }
    // Updates stored while the compaction ran stay in the log.
    this.count -= before.count
    this.bytes -= before.bytes
    this.storedDocumentBytes = snapshot.byteLength + this.storedDocumentBytes - before.documentBytes
    this.log.debug({ room: this.room, updates: before.count, bytes: before.bytes, snapshotBytes: snapshot.byteLength }, 'room compacted')
  }
}

/**
 * One loaded room's account of its unversioned changes: who made them
 * (the token's user, stamped by the server; without access control the
 * name the client showed, marked unverified), and when the next automatic
 * version is due: `idleMs` after the last change, and at the latest
 * `maxIntervalMs` after the first change since the previous version. One
 * timer, owned here and cleared by destroy().
 *
 * A version holds the room's document as this instance has it. With
 * several instances each tracks the changes its clients make, hears of the
 * others' authors through the bus, and when a burst ends they all try to
 * record: storage lets them take turns on the room's head (versions.ts),
 * and whoever comes after the first finds nothing new and records nothing.
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { Connection } from '../rooms/connection.js'
import { RoomDeletedError } from '../storage/storage.js'
import { authorKey, type VersionAuthor, type VersionInfo, type VersionKind, type VersionStore } from '../storage/versions.js'
import { thinningSteps, type RetentionPolicy } from './retention.js'
import { mergeIncrements } from './version-documents.js'
import { versionIncrement } from './version-increment.js'

export interface HistorySettings {
  idleMs: number
  maxIntervalMs: number
  retention: RetentionPolicy
  /** The clock versions are dated by and retention reads; Date.now unless a test sets another. */
  now?: () => number
}

export interface History extends HistorySettings {
  store: VersionStore
}

/** The room a tracker belongs to, as the tracker reads it (the Room itself: no closures kept per room). */
export interface TrackedRoom {
  readonly name: string
  readonly doc: Y.Doc
  /** The generation the room loaded, which its versions carry. */
  readonly generation: number
  readonly isReady: boolean
  /** Runs `run` once the updates applied so far are stored. */
  afterStored(run: () => void): void
  /** The name a connection shows in its awareness, or null. */
  shownName(connection: Connection): string | null
  /** Tells the other instances (if any) that `author` has unversioned changes in this room. */
  publishAuthor(author: VersionAuthor): void
  /** Tells the other instances (if any) that this one recorded a version of the room. */
  publishVersioned(): void
}

/** Someone with unversioned changes, and the Yjs client ids their updates carried. */
interface Editor {
  author: VersionAuthor | null
  connection: Connection | null
  /** Usually one: an array costs a fraction of a Set, and every room with changes has an editor. */
  clients: number[]
}

/** What a version being recorded took from the tracker, given back if it cannot be stored. */
interface Taken {
  editors: Map<Connection | string, Editor> | null
  firstChangeAt: number | null
}

const UNNAMED = 'anonymous'

/** Why a version is being recorded: a burst ended, continuous editing reached the interval, the room is going, or someone asked. */
type Reason = 'idle' | 'interval' | 'unload' | 'asked'
/**
 * How many intervals another instance that recorded a version is trusted to
 * record the next one of continuous editing before this one does: more than
 * one, so its next version comes first; not many, in case its clients left.
 */
const OTHERS_RECORD_FOR = 1.5
// Node fires a longer timeout at once; one this long just fires early and is set again.
const MAX_TIMER_MS = 2 ** 31 - 1

export class VersionTracker {
  private readonly now: () => number
  /**
   * Editors by connection (its name may be learnt later) or, for callers
   * that are not connections, by author key. Made at the first change: a
   * room loaded only to be read (by readers, an export, the API) never
   * needs one, and an empty Map is about 190 bytes.
   */
  private editors: Map<Connection | string, Editor> | null = null
  private firstChangeAt: number | null = null
  /** Until when the versions of continuous editing are left to the instance that recorded the last one. */
  private othersRecordUntil = 0
  private lastChangeAt = 0
  private timer: NodeJS.Timeout | null = null
  /** The version being recorded now, if any: one at a time. */
  private recording: Promise<unknown> | null = null
  private isDestroyed = false

  constructor(
    private readonly room: TrackedRoom,
    private readonly history: History,
    private readonly log: Logger,
  ) {
    this.now = history.now ?? Date.now
  }

  get hasUnversionedChanges(): boolean {
    return this.firstChangeAt !== null
  }

  /**
   * An update was applied to the room's document, from `connection`, or
   * from the server's own API on behalf of `by` (null when unknown).
   */
  applied(update: Uint8Array, connection: Connection | null, by: VersionAuthor | null = null): void {
    const key = connection ?? (by ? authorKey(by) : 'server')
    let editor = this.editors?.get(key)
    if (!editor) {
      const user = connection?.access.user
      const author = user ? { id: user.id, name: user.name, verified: true } : by
      editor = { author, connection, clients: [] }
      ;(this.editors ??= new Map()).set(key, editor)
      if (author) this.room.publishAuthor(author)
    }
    // A client's Yjs client id stays the same while it is connected: its first update with insertions names it
    // (an update that only deletes holds no structs, so a client that deletes first is named by a later one).
    if (editor.clients.length === 0) editor.clients = [...Y.parseUpdateMeta(update).from.keys()]
    // The client may announce its name after its first change.
    if (!editor.author && connection) this.learnName(editor, connection)
    this.changed()
  }

  /** Another instance stored changes of this room: a burst there keeps the version here from being due too. */
  appliedElsewhere(): void {
    if (this.firstChangeAt !== null) this.changed()
  }

  /** Another instance's client has unversioned changes here; if this instance records the version, they are its author. */
  authorElsewhere(author: VersionAuthor): void {
    const key = authorKey(author)
    const editors = (this.editors ??= new Map())
    if (!editors.has(key)) editors.set(key, { author, connection: null, clients: [] })
    this.changed()
  }

  /**
   * Another instance recorded a version of this room. The changes here stay
   * unversioned (they may or may not be in it), and for a while the
   * versions that continuous editing is owed are left to that instance:
   * each interval then gets one version, not one from every instance. A
   * burst's end is still recorded here too (only one of those is written).
   */
  versionedElsewhere(): void {
    this.othersRecordUntil = this.now() + this.history.maxIntervalMs * OTHERS_RECORD_FOR
  }

  /** Records a version now if there are unversioned changes (a room unloading, the server stopping). */
  flush(): Promise<VersionInfo | null> {
    if (!this.hasUnversionedChanges) return Promise.resolve(null)
    return this.record('auto', null, null, null, 'unload').catch(() => null)
  }

  /**
   * Records a version now, changed or not: a named one, or the one a
   * restore makes. Rejects with the storage error if it cannot be stored.
   */
  async save(kind: Exclude<VersionKind, 'auto'>, name: string, savedBy: VersionAuthor | null, restoredFrom: number | null): Promise<VersionInfo> {
    const version = await this.record(kind, name, savedBy, restoredFrom)
    if (!version) throw new Error(`room "${this.room.name}" is not loaded: no version was recorded`)
    return version
  }

  destroy(): void {
    this.isDestroyed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private changed(): void {
    this.lastChangeAt = this.now()
    this.firstChangeAt ??= this.lastChangeAt
    if (!this.timer && !this.isDestroyed) this.armTimer()
  }

  private get dueAt(): number {
    const longestWait = Math.max((this.firstChangeAt ?? this.lastChangeAt) + this.history.maxIntervalMs, this.othersRecordUntil)
    return Math.min(this.lastChangeAt + this.history.idleMs, longestWait)
  }

  private armTimer(): void {
    // One timer re-armed when it fires early, rather than one cleared and set again for every keystroke.
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.isDestroyed || this.firstChangeAt === null) return
      const now = this.now()
      if (now < this.dueAt) return this.armTimer()
      const reason = now >= this.lastChangeAt + this.history.idleMs ? 'idle' : 'interval'
      void this.record('auto', null, null, null, reason).catch(() => {})
    }, Math.min(MAX_TIMER_MS, Math.max(0, this.dueAt - this.now())))
  }

  private learnName(editor: Editor, connection: Connection): void {
    const name = this.room.shownName(connection)
    if (name === null) return
    editor.author = { id: null, name, verified: false }
    this.room.publishAuthor(editor.author)
  }

  private record(kind: VersionKind, name: string | null, savedBy: VersionAuthor | null, restoredFrom: number | null, reason: Reason = 'asked'): Promise<VersionInfo | null> {
    const run = (this.recording ?? Promise.resolve()).then(() => this.recordNow(kind, name, savedBy, restoredFrom, reason))
    const settled = run.catch(() => {})
    this.recording = settled
    void settled.then(() => {
      if (this.recording === settled) this.recording = null
    })
    return run
  }

  private async recordNow(
    kind: VersionKind, name: string | null, savedBy: VersionAuthor | null, restoredFrom: number | null, reason: Reason,
  ): Promise<VersionInfo | null> {
    // A version shows only what is stored: an update whose write fails is never in one.
    await new Promise<void>((resolve) => this.room.afterStored(resolve))
    if (this.isDestroyed || !this.room.isReady) return null
    // Taken when storage lets this instance write: the version holds the changes made until then, and
    // their authors; changes after it count towards the next one.
    let taken: Taken | null = null
    const take = () => {
      taken = { editors: this.editors, firstChangeAt: this.firstChangeAt }
      this.editors = null
      this.firstChangeAt = null
      return taken
    }
    let version: VersionInfo | null
    try {
      version = await this.history.store.record(this.room.name, this.room.generation, (head) => {
        if (this.isDestroyed) return null
        const now = this.now()
        // Another instance has just recorded continuous editing here: the next interval's version is its to make.
        if (reason === 'interval' && head && now - head.createdAt < this.history.maxIntervalMs / 2) {
          this.othersRecordUntil = head.createdAt + this.history.maxIntervalMs * OTHERS_RECORD_FOR
          return null
        }
        const doc = this.room.doc
        const headSnapshot = head ? Y.decodeSnapshot(head.snapshot) : null
        const increment = versionIncrement(doc, headSnapshot)
        const { editors } = take()
        // Another instance recorded these changes already (or nothing changed): no automatic version.
        if (kind === 'auto' && headSnapshot && Y.snapshotContainsUpdate(headSnapshot, increment)) return null
        const { authors, clients } = authorship([...(editors?.values() ?? [])], (editor) => this.authorOf(editor))
        return {
          kind, createdAt: now, name, savedBy, authors, clients, restoredFrom,
          // The first version's increment is the whole document already: no second encoding for its size.
          documentBytes: headSnapshot ? Y.encodeStateAsUpdate(doc).byteLength : increment.byteLength,
          increment, snapshot: Y.encodeSnapshot(Y.snapshot(doc)),
        }
      })
    } catch (error) {
      if (error instanceof RoomDeletedError) {
        this.log.info({ room: this.room.name }, 'version not recorded: the room was deleted')
        throw error
      }
      // The changes stay unversioned, with their authors, and are tried again with the next version.
      if (taken) this.giveBack(taken)
      this.log.error({ room: this.room.name, err: error }, 'version could not be recorded; trying again after the next change')
      throw error
    }
    // Not recorded, and not taken: still due, later.
    if (!taken && this.firstChangeAt !== null && !this.timer && !this.isDestroyed) this.armTimer()
    if (version) {
      this.room.publishVersioned()
      this.log.info({ room: this.room.name, version: version.id, kind, authors: version.authors.length }, 'version recorded')
      await this.applyRetention()
    }
    return version
  }

  private giveBack(taken: Taken): void {
    if (taken.editors) {
      const editors = (this.editors ??= new Map())
      for (const [key, editor] of taken.editors) if (!editors.has(key)) editors.set(key, editor)
    }
    if (taken.firstChangeAt === null) return
    this.firstChangeAt = Math.min(this.firstChangeAt ?? taken.firstChangeAt, taken.firstChangeAt)
    this.changed()
  }

  private authorOf(editor: Editor): VersionAuthor {
    if (!editor.author && editor.connection) this.learnName(editor, editor.connection)
    return editor.author ?? { id: null, name: UNNAMED, verified: false }
  }

  private async applyRetention(): Promise<void> {
    if (this.history.retention === 'all') return
    try {
      const listed: VersionInfo[] = []
      let before: number | undefined
      do {
        const page = await this.history.store.list(this.room.name, 1000, before)
        listed.push(...page.versions)
        before = page.next ?? undefined
      } while (before !== undefined)
      const steps = thinningSteps(listed, this.history.retention, this.now())
      if (steps.length > 0) await this.history.store.thin(this.room.name, steps, mergeIncrements)
    } catch (error) {
      // Nothing is lost: the versions are thinned with the next one.
      this.log.warn({ room: this.room.name, err: error }, 'versions could not be thinned')
    }
  }
}

/** The authors of a version, each once, and which author each Yjs client id belongs to. */
function authorship(editors: readonly Editor[], authorOf: (editor: Editor) => VersionAuthor): { authors: VersionAuthor[]; clients: Record<string, number> } {
  const authors: VersionAuthor[] = []
  const indexOf = new Map<string, number>()
  const clients: Record<string, number> = {}
  for (const editor of editors) {
    const author = authorOf(editor)
    const key = authorKey(author)
    let index = indexOf.get(key)
    if (index === undefined) {
      index = authors.push(author) - 1
      indexOf.set(key, index)
    }
    for (const client of editor.clients) clients[client] = index
  }
  return { authors, clients }
}

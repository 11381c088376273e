/**
 * The document's copy in IndexedDB (y-indexeddb), so edits made offline
 * survive a reload and reach the server once it is reachable again. Next to
 * the document it keeps how many local changes the server had not confirmed,
 * so a reloaded page can still say "3 unsaved changes" before it reconnects.
 */
import { IndexeddbPersistence } from 'y-indexeddb'
import type * as Y from 'yjs'

const UNSAVED_KEY = 'ortak:unsavedChanges'
// A browser that never answers the open request (a blocked upgrade, a broken profile) must not keep the editor offline.
const OPEN_TIMEOUT_MS = 5_000

export class OfflineCopy {
  readonly persistence: IndexeddbPersistence
  /**
   * Resolves once the stored copy is merged into the document, with the
   * unsaved changes an earlier page left; with 0 if IndexedDB is unusable.
   */
  readonly loaded: Promise<number>
  private isDestroyed = false
  private openTimer: ReturnType<typeof setTimeout> | undefined

  constructor(name: string, doc: Y.Doc) {
    this.persistence = new IndexeddbPersistence(name, doc)
    // whenSynced never settles if the database fails to open; going through `_db` lets that failure through.
    const opened = this.persistence._db
      .then(() => this.persistence.whenSynced)
      .then(() => this.persistence.get(UNSAVED_KEY))
      .then((value: unknown) => (typeof value === 'number' && value > 0 ? value : 0))
    const gaveUp = new Promise<number>((resolve) => {
      this.openTimer = setTimeout(() => {
        console.warn(`ortak: the offline copy in IndexedDB did not open within ${OPEN_TIMEOUT_MS} ms; editing online only`)
        resolve(0)
      }, OPEN_TIMEOUT_MS)
    })
    this.loaded = Promise.race([opened, gaveUp]).catch((error: unknown) => {
      if (!this.isDestroyed) console.warn('ortak: the offline copy in IndexedDB is unavailable; editing online only', error)
      return 0
    }).finally(() => clearTimeout(this.openTimer))
  }

  /** Keeps the number of unconfirmed local changes with the document. */
  rememberUnsaved(count: number): void {
    if (this.isDestroyed || !this.persistence.db) return
    this.persistence.set(UNSAVED_KEY, count).catch((error: unknown) => {
      if (!this.isDestroyed) console.warn('ortak: could not record the unsaved-change count in IndexedDB', error)
    })
  }

  /** Closes the database; the stored copy stays for the next visit. */
  destroy(): Promise<void> {
    this.isDestroyed = true
    clearTimeout(this.openTimer)
    return this.persistence.destroy()
  }
}

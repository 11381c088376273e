import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import type { AppendEntry } from '../src/storage/storage.js'

/** The real SQLite storage, noting the size of every batch it commits. */
export class CountingStorage extends SqliteStorage {
  readonly batches: number[] = []
  /** When set, each append waits for it before committing: a commit that takes a while. */
  commitGate: Promise<void> | null = null

  override async append(entries: readonly AppendEntry[]): Promise<number[]> {
    this.batches.push(entries.length)
    if (this.commitGate) await this.commitGate
    return super.append(entries)
  }
}

/** `count` one-character updates of one client, each depending on the one before. */
export function keystrokes(count: number): Uint8Array[] {
  const doc = new Y.Doc()
  const out: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => out.push(u))
  for (let i = 0; i < count; i++) doc.getText('t').insert(0, 'x')
  return out
}

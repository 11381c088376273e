/**
 * One write batch holds the updates of every room that wrote in a turn.
 * When one of those rooms was deleted (by another instance) after it
 * loaded, its updates are refused; the other rooms' updates of the same
 * batch must still be stored, in order, and their editors never notice.
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { RoomDeletedError } from '../src/storage/storage.js'
import { WriteBatcher } from '../src/storage/write-batcher.js'
import { tempDir } from './helpers.js'

const textUpdate = (text: string) => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

const textOf = (updates: readonly Uint8Array[]) => {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

describe('a write batch holding updates of a deleted room', () => {
  let storage: SqliteStorage | undefined
  afterEach(async () => {
    await storage?.close()
  })

  it('stores the other rooms\' updates and fails only the deleted room\'s, with RoomDeletedError', async () => {
    storage = new SqliteStorage({ file: path.join(tempDir(), 'ortak.db') })
    const batcher = new WriteBatcher(storage)
    await storage.append([{ room: 'gone', update: textUpdate('deleted text'), generation: 0 }])
    const { generation } = await storage.load('gone')
    await storage.delete('gone')

    const outcomes: string[] = []
    const write = (room: string, text: string) => new Promise<void>((resolve) => {
      batcher.append({
        room, update: textUpdate(text), generation,
        onStored: () => { outcomes.push(`${text} stored`); resolve() },
        onFailed: (error) => { outcomes.push(`${text} failed: ${error instanceof RoomDeletedError ? 'room deleted' : error.message}`); resolve() },
      })
    })
    // Appended in one turn: one batch.
    await Promise.all([write('kept', 'A'), write('gone', 'late'), write('kept', 'B')])
    await batcher.drain()
    expect(outcomes).toEqual(['A stored', 'late failed: room deleted', 'B stored'])
    expect(textOf((await storage.load('kept')).updates)).toMatch(/^(AB|BA)$/)
    expect((await storage.load('kept')).logCount).toBe(2)
    expect((await storage.load('gone')).updates).toEqual([])
  })
})

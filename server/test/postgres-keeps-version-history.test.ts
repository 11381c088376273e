import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PostgresStorage } from '../src/storage/postgres.js'
import { adminQuery, createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'
import { textUpdate } from './security-helpers.js'
import { itKeepsVersions } from './version-store-contract.js'

const services = await probeScaleOutServices('postgres-keeps-version-history', false)

describe.skipIf(!services.isAvailable)('PostgreSQL version history', () => {
  let db: TestDatabase
  const open: PostgresStorage[] = []
  const storage = async () => {
    const opened = new PostgresStorage({ connectionString: db.url })
    open.push(opened)
    await opened.migrated
    return opened
  }
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    for (const opened of open) await opened.close()
    await db?.drop()
  })

  itKeepsVersions(storage)

  it('records one version when two instances try at once for the same changes', async () => {
    const [a, b] = [await storage(), await storage()]
    const live = new Y.Doc()
    live.getText('t').insert(0, 'shared burst')
    const make = (head: { snapshot: Uint8Array } | null) => {
      const increment = Y.encodeStateAsUpdate(live, head ? Y.encodeStateVector(Y.decodeSnapshot(head.snapshot).sv) : undefined)
      if (head && Y.snapshotContainsUpdate(Y.decodeSnapshot(head.snapshot), increment)) return null
      return {
        kind: 'auto' as const, createdAt: Date.now(), name: null, savedBy: null, authors: [], clients: {}, restoredFrom: null,
        documentBytes: 1, increment, snapshot: Y.encodeSnapshot(Y.snapshot(live)),
      }
    }
    const results = await Promise.all([a.versions.record('burst', 0, make), b.versions.record('burst', 0, make)])
    expect(results.filter((r) => r !== null)).toHaveLength(1)
    expect((await a.versions.list('burst', 10)).versions).toHaveLength(1)
  })

  it('migrates a database from before version history, keeping its documents', async () => {
    const opened = await storage()
    await opened.append([{ room: 'before', update: textUpdate('kept'), generation: 0 }])
    // The database as the previous release left it: its schema at version 2.
    await adminQuery('DROP TABLE ortak_versions; DROP TABLE ortak_version_heads; DELETE FROM ortak_schema_migrations WHERE version = 3', [], db.name)
    const upgraded = await storage()
    const { rows } = await adminQuery('SELECT max(version) AS v FROM ortak_schema_migrations', [], db.name)
    expect(Number(rows[0].v)).toBe(3)
    expect((await upgraded.load('before')).updates).toHaveLength(1)
    expect(await upgraded.versions.list('before', 10)).toEqual({ versions: [], next: null })
  })
})

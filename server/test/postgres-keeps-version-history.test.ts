import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PostgresStorage } from '../src/storage/postgres.js'
import { adminQuery, createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'
import { textUpdate } from './security-helpers.js'
import { itKeepsIncrementsReadable, itKeepsVersions } from './version-store-contract.js'

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

  itKeepsIncrementsReadable(storage, {
    async withRowsOfTheReleaseBefore(room, versions) {
      // The database as the release before left it: its schema at version 3, the versions table without the format column.
      const current = new PostgresStorage({ connectionString: db.url })
      await current.migrated
      await current.close()
      await adminQuery('ALTER TABLE ortak_versions DROP COLUMN increment_format; DELETE FROM ortak_schema_migrations WHERE version = 4', [], db.name)
      let id = 0
      for (const v of versions) {
        const { rows } = await adminQuery(
          `INSERT INTO ortak_versions (room, kind, created_at, name, saved_by, authors, clients, restored_from, document_bytes, increment)
           VALUES ($1, $2, $3, NULL, NULL, $4, $5, NULL, $6, $7) RETURNING id`,
          [room, v.kind, v.createdAt, JSON.stringify(v.authors), JSON.stringify(v.clients), v.documentBytes, v.increment], db.name)
        id = Number(rows[0].id)
      }
      await adminQuery('INSERT INTO ortak_version_heads (room, version_id, snapshot) VALUES ($1, $2, $3)', [room, id, versions.at(-1)!.snapshot], db.name)
      return storage()
    },
    async damage(_storage, room, id, damage) {
      const { rows } = await adminQuery('SELECT increment FROM ortak_versions WHERE room = $1 AND id = $2', [room, id], db.name)
      await adminQuery('UPDATE ortak_versions SET increment = $3 WHERE room = $1 AND id = $2', [room, id, damage(rows[0].increment)], db.name)
    },
  })

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
    await adminQuery('DROP TABLE ortak_versions; DROP TABLE ortak_version_heads; DELETE FROM ortak_schema_migrations WHERE version >= 3', [], db.name)
    const upgraded = await storage()
    const { rows } = await adminQuery('SELECT max(version) AS v FROM ortak_schema_migrations', [], db.name)
    expect(Number(rows[0].v)).toBe(4)
    expect((await upgraded.load('before')).updates).toHaveLength(1)
    expect(await upgraded.versions.list('before', 10)).toEqual({ versions: [], next: null })
  })
})

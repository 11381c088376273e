import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { connectClient, spawnServer, startServer, synced, tempDir, waitFor, type TestServer } from './helpers.js'
import { createTestDatabase, probeScaleOutServices, uniqueRedisPrefix, type TestDatabase } from './scale-services.js'

describe('scale-out settings', () => {
  it('read PostgreSQL and Redis URLs from flags or the environment, and default to none', () => {
    expect(loadConfig([], {})).toMatchObject({ databaseUrl: null, redisUrl: null, redisPrefix: 'ortak:', peerTimeoutMs: 10_000 })
    const config = loadConfig(['--redis-url', 'redis://cache:6379/2'], { DATABASE_URL: 'postgres://u:p@db/ortak', REDIS_PREFIX: 'team-a:' })
    expect(config).toMatchObject({ databaseUrl: 'postgres://u:p@db/ortak', redisUrl: 'redis://cache:6379/2', redisPrefix: 'team-a:' })
  })

  it('refuse a URL of the wrong kind, naming the setting', () => {
    expect(() => loadConfig([], { DATABASE_URL: 'mysql://db/ortak' })).toThrow(new ConfigError('invalid DATABASE_URL: expected a postgres: or postgresql: URL, got a mysql: one'))
    expect(() => loadConfig(['--database-url', 'not a url'], {})).toThrow(/invalid --database-url: expected a URL like postgres:/)
    expect(() => loadConfig([], { DATABASE_URL: 'postgres://db/x', REDIS_URL: 'http://cache' })).toThrow(/invalid REDIS_URL: expected a redis: or rediss: URL/)
    expect(() => loadConfig(['--peer-timeout-ms', '10'], {})).toThrow(/invalid --peer-timeout-ms: expected a number from 400/)
  })

  it('refuse Redis without PostgreSQL: instances sharing rooms must share storage', () => {
    expect(() => loadConfig([], { REDIS_URL: 'redis://cache' })).toThrow(/REDIS_URL \(--redis-url\) needs DATABASE_URL/)
  })
})

const services = await probeScaleOutServices('checks-scale-out-settings', false)

describe.skipIf(!services.isAvailable)('starting with scale-out settings', () => {
  const servers: TestServer[] = []
  const databases: TestDatabase[] = []
  afterAll(async () => {
    for (const s of servers) await s.close()
    for (const d of databases) await d.drop()
  })

  it('stops with exit code 1 and the reason when PostgreSQL cannot be reached', async () => {
    // Port 9 (discard) has nothing listening on this machine: the connection is refused at once.
    await expect(spawnServer(tempDir(), ['--database-url', 'postgres://postgres@127.0.0.1:9/none']))
      .rejects.toThrow(/server exited with 1:.*Ortak could not start: PostgreSQL migrate schema failed/s)
  })

  it('starts when Redis is unreachable, serving its own clients and answering /readyz with 503 naming Redis', async () => {
    const db = await createTestDatabase()
    databases.push(db)
    const server = await startServer({ databaseUrl: db.url, redisUrl: 'redis://127.0.0.1:9', redisPrefix: uniqueRedisPrefix() })
    servers.push(server)
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(503)
    const body = await ready.json() as { ready: boolean; problems: string[] }
    expect(body.ready).toBe(false)
    expect(body.problems).toHaveLength(1)
    expect(body.problems[0]).toMatch(/^redis: subscriber connection is/)
    const health = await (await fetch(`${server.url}/healthz`)).json()
    expect(health).toMatchObject({ status: 'degraded', services: { postgres: { reachable: true }, redis: { reachable: false } } })
    const client = connectClient(server.wsUrl, 'alone')
    await synced(client)
    client.doc.getText('t').insert(0, 'stored without Redis')
    await waitFor('the edit is stored in PostgreSQL', async () => (await server.server.storage.load('alone')).logCount === 1)
    client.destroy()
  })
})

/**
 * The real PostgreSQL and Redis the scale-out tests run against, each test
 * run isolated in its own database and its own channel prefix. Outside CI a
 * missing service skips those tests with a loud reason; with CI=true it
 * fails them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import type { Config } from '../src/config.js'
import { startServer, type TestClient, type TestServer } from './helpers.js'

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export type ServiceProbe = { isAvailable: true } | { isAvailable: false; reason: string }

/**
 * Checks that PostgreSQL (and Redis unless `needsRedis` is false) answer.
 * Throws in CI when one does not; elsewhere prints why the tests are skipped.
 */
export async function probeScaleOutServices(testName: string, needsRedis = true): Promise<ServiceProbe> {
  const problems: string[] = []
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (error) {
    problems.push(`PostgreSQL at ${TEST_POSTGRES_URL}: ${(error as Error).message}`)
  } finally {
    await client.end().catch(() => {})
  }
  if (needsRedis) {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on('error', () => {})
    try {
      await redis.connect()
      await redis.ping()
    } catch (error) {
      problems.push(`Redis at ${TEST_REDIS_URL}: ${(error as Error).message}`)
    } finally {
      redis.disconnect()
    }
  }
  if (problems.length === 0) return { isAvailable: true }
  const reason = problems.join('; ')
  if (process.env.CI === 'true') throw new Error(`${testName} needs its services, and CI=true: ${reason}`)
  console.warn(`\n!!! SKIPPING ${testName}: a service is unreachable (${reason}). In CI this fails.\n`)
  return { isAvailable: false, reason }
}

export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

/** A fresh, empty PostgreSQL database for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ortak_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    // FORCE: a killed server's connections may still be open.
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

export async function adminQuery(sql: string, params: unknown[] = [], database?: string): Promise<pg.QueryResult> {
  const url = new URL(TEST_POSTGRES_URL)
  if (database) url.pathname = `/${database}`
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    return await client.query(sql, params)
  } finally {
    await client.end()
  }
}

/** A channel prefix no other test run uses. Channels hold no data, so there is nothing to clean up. */
export const uniqueRedisPrefix = () => `ortak-test-${process.pid}-${randomBytes(4).toString('hex')}:`

export interface RedisProcess {
  url: string
  port: number
  /** Kills the server (SIGKILL: everything it held is gone, as in a crash). */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
}

/** A private redis-server on a free port, so a test can stop and restart it without touching the shared one. */
export async function startRedisServer(): Promise<RedisProcess> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    const output: string[] = []
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.join('')}`)), 10_000)
      started.once('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`redis-server could not be run: ${error.message}`))
      })
      started.stdout!.on('data', (chunk: Buffer) => {
        output.push(chunk.toString())
        if (output.join('').includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      started.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}: ${output.join('')}`))
      })
    })
  }
  const stop = async () => {
    const running = child
    child = null
    if (!running || running.exitCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return { url: `redis://127.0.0.1:${port}`, port, start, stop }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Command-line arguments that make an Ortak process share rooms through `db` and Redis under `prefix`. */
export const scaleOutArgs = (db: TestDatabase, prefix: string, redisUrl = TEST_REDIS_URL): string[] =>
  ['--database-url', db.url, '--redis-url', redisUrl, '--redis-prefix', prefix]

/** A small deterministic random number generator (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface TwoInstances {
  /** The private redis-server both instances share; stopping it leaves the shared one alone. */
  redis: RedisProcess
  servers: [TestServer, TestServer]
  /** Clients the tests open, destroyed before the servers close. */
  clients: TestClient[]
}

/**
 * Two Ortak instances on a fresh database and a private redis-server, for
 * every test of the calling suite (started in its beforeAll, stopped in its
 * afterAll). Read the fields inside tests: they are set once it has started.
 */
export function twoInstancesOnPrivateRedis(overrides: Partial<Config> = {}): TwoInstances {
  const instances = { clients: [] } as unknown as TwoInstances
  let db: TestDatabase | undefined
  beforeAll(async () => {
    db = await createTestDatabase()
    instances.redis = await startRedisServer()
    const options = { databaseUrl: db.url, redisUrl: instances.redis.url, redisPrefix: uniqueRedisPrefix(), ...overrides }
    instances.servers = [await startServer(options), await startServer(options)]
  })
  afterAll(async () => {
    for (const client of instances.clients) client.destroy()
    for (const server of instances.servers ?? []) await server.close()
    await instances.redis?.stop()
    await db?.drop()
  })
  return instances
}

/**
 * The PostgreSQL database and Redis channel prefix that Ortak instances
 * share in the instances curve: a fresh database per use, dropped after,
 * on the PostgreSQL and Redis the machine runs (BENCH_DATABASE_URL and
 * BENCH_REDIS_URL to point elsewhere).
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface SharedServices {
  /** The `ortak serve` flags that put an instance on them. */
  ortakArgs: string[]
  drop(): Promise<void>
}

export async function createSharedServices(): Promise<SharedServices> {
  const name = `ortak_bench_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    ortakArgs: ['--database-url', url.toString(), '--redis-url', REDIS_URL, '--redis-prefix', `${name}:`],
    // FORCE: an instance that was killed may still hold connections.
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
    await client.query(sql)
  } catch (error) {
    throw new Error(`the instances curve needs PostgreSQL at ${POSTGRES_URL} (BENCH_DATABASE_URL): ${(error as Error).message}`)
  } finally {
    await client.end().catch(() => {})
  }
}

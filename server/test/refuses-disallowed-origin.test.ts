import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { startServer, type TestServer } from './helpers.js'
import { upgradeStatus } from './security-helpers.js'

describe('with ALLOWED_ORIGINS set', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] })
  })
  afterAll(() => server.close())

  it('refuses an upgrade from another origin with HTTP 403 and one log line', async () => {
    const logsBefore = server.logs.length
    expect(await upgradeStatus(server.wsUrl, 'room', { origin: 'https://evil.example' })).toBe(403)
    const lines = server.logs.slice(logsBefore).filter((l) => l.msg === 'refused WebSocket upgrade: origin not allowed')
    expect(lines).toEqual([expect.objectContaining({ origin: 'https://evil.example' })])
    expect(server.server.registry.get('room')).toBeUndefined()
  })

  it('refuses the opaque origin "null" (sandboxed frames, file: pages)', async () => {
    expect(await upgradeStatus(server.wsUrl, 'room', { origin: 'null' })).toBe(403)
  })

  it('accepts a listed origin, whatever the letter case of its host', async () => {
    expect(await upgradeStatus(server.wsUrl, 'room', { origin: 'https://App.Example.com' })).toBe(101)
    expect(await upgradeStatus(server.wsUrl, 'room', { origin: 'http://localhost:5173' })).toBe(101)
  })

  it('accepts a client that sends no Origin (not a browser)', async () => {
    expect(await upgradeStatus(server.wsUrl, 'room')).toBe(101)
  })
})

describe('the ALLOWED_ORIGINS setting', () => {
  it('is parsed into origins', () => {
    expect(loadConfig([], { ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173/' }).allowedOrigins)
      .toEqual(['https://a.example', 'http://localhost:5173'])
  })

  it('refuses an entry with a path, naming it', () => {
    expect(() => loadConfig([], { ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError)
    expect(() => loadConfig([], { ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(/"https:\/\/a.example\/app" is not an origin/)
  })

  it('is empty (any origin) by default', async () => {
    expect(loadConfig([], {}).allowedOrigins).toEqual([])
    const open = await startServer()
    try {
      expect(await upgradeStatus(open.wsUrl, 'room', { origin: 'https://anywhere.example' })).toBe(101)
    } finally {
      await open.close()
    }
  })
})

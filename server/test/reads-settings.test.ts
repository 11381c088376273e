import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, settings } from '../src/config.js'

describe('settings', () => {
  it('default to one local process with data in ./data', () => {
    const config = loadConfig([], {})
    expect(config).toMatchObject({ host: '127.0.0.1', port: 1234, dataDir: './data', maxPayloadBytes: 8 * 1024 * 1024 })
  })

  it('come from environment variables, and flags win over them', () => {
    const config = loadConfig(['--port', '4000', '--data=/tmp/x'], { PORT: '3000', HOST: '0.0.0.0', DATA_DIR: '/ignored' })
    expect(config).toMatchObject({ host: '0.0.0.0', port: 4000, dataDir: '/tmp/x' })
  })

  it('name the setting that is wrong', () => {
    expect(() => loadConfig(['--port', 'many'], {})).toThrow(new ConfigError('invalid --port: expected a whole number, got "many"'))
    expect(() => loadConfig([], { PORT: '70000' })).toThrow(/invalid PORT: expected a number from 0 to 65535/)
    expect(() => loadConfig(['--colour', 'red'], {})).toThrow(/unknown option --colour/)
    expect(() => loadConfig(['--port'], {})).toThrow(/option --port needs a value/)
    expect(() => loadConfig([], { LOG_LEVEL: 'loud' })).toThrow(/invalid LOG_LEVEL: expected one of/)
  })

  it('each have a flag, a variable and a description', () => {
    for (const s of settings) {
      expect(s.flag).toMatch(/^--[a-z-]+$/)
      expect(s.env).toMatch(/^[A-Z_]+$/)
      expect(s.description.length).toBeGreaterThan(10)
    }
  })
})

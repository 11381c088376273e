/**
 * Every setting of the server in one place: its command-line flag, its
 * environment variable, its default and what it means. README's
 * configuration table is written from this list.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface Config {
  host: string
  port: number
  dataDir: string
  editorDir: string
  maxPayloadBytes: number
  compactAfterUpdates: number
  compactAfterBytes: number
  unloadGraceMs: number
  sqliteSynchronous: 'normal' | 'full'
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

type Parser<T> = (raw: string) => T

interface Setting<K extends keyof Config> {
  key: K
  flag: string
  env: string
  default: Config[K]
  description: string
  parse: Parser<Config[K]>
}

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> => (raw) => {
  if (!/^\d+$/.test(raw)) throw new RangeError(`expected a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new RangeError(`expected a number from ${min} to ${max}, got ${value}`)
  return value
}

const oneOf = <T extends string>(...choices: T[]): Parser<T> => (raw) => {
  if (!(choices as string[]).includes(raw)) throw new RangeError(`expected one of ${choices.join(', ')}, got "${raw}"`)
  return raw as T
}

const nonEmpty: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new RangeError('expected a non-empty value')
  return raw
}

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s
}

export const settings = [
  setting({ key: 'host', flag: '--host', env: 'HOST', default: '127.0.0.1', parse: nonEmpty,
    description: 'Interface to listen on for HTTP and WebSocket.' }),
  setting({ key: 'port', flag: '--port', env: 'PORT', default: 1234, parse: integer(0, 65535),
    description: 'TCP port (0 picks a free one and logs it).' }),
  setting({ key: 'dataDir', flag: '--data', env: 'DATA_DIR', default: './data', parse: nonEmpty,
    description: 'Folder of the SQLite database file `ortak.db`.' }),
  setting({ key: 'editorDir', flag: '--editor-dir', env: 'EDITOR_DIR', default: path.join(repoRoot, 'editor/dist'), parse: nonEmpty,
    description: 'Built demo editor served at `/` (made by `npm run build`).' }),
  setting({ key: 'maxPayloadBytes', flag: '--max-payload', env: 'MAX_PAYLOAD_BYTES', default: 8 * 1024 * 1024, parse: integer(1024),
    description: 'Largest WebSocket frame accepted; a larger one closes the socket with 1009.' }),
  setting({ key: 'compactAfterUpdates', flag: '--compact-after-updates', env: 'COMPACT_AFTER_UPDATES', default: 10_000, parse: integer(1),
    description: 'A room whose update log holds this many entries is compacted into one snapshot.' }),
  setting({ key: 'compactAfterBytes', flag: '--compact-after-bytes', env: 'COMPACT_AFTER_BYTES', default: 16 * 1024 * 1024, parse: integer(1),
    description: 'A room whose update log holds this many bytes is compacted into one snapshot.' }),
  setting({ key: 'unloadGraceMs', flag: '--unload-grace-ms', env: 'UNLOAD_GRACE_MS', default: 5_000, parse: integer(0),
    description: 'How long a room with no connections stays in memory before it is unloaded.' }),
  setting({ key: 'sqliteSynchronous', flag: '--sqlite-synchronous', env: 'SQLITE_SYNCHRONOUS', default: 'normal' as const, parse: oneOf('normal', 'full'),
    description: '`normal`: a stored update survives a crash of the process (WAL). `full`: it also survives power loss (one fsync per write batch).' }),
  setting({ key: 'logLevel', flag: '--log-level', env: 'LOG_LEVEL', default: 'info' as const,
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    description: 'Least severe log level written (pino levels).' }),
] as const

export class ConfigError extends Error {}

/** Reads settings from flags (which win) and environment variables. Throws ConfigError naming the bad setting. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const fromFlags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    if (!settings.some((s) => s.flag === flag)) throw new ConfigError(`unknown option ${flag}`)
    let value: string | undefined
    if (eq !== -1) value = arg.slice(eq + 1)
    else value = argv[++i]
    if (value === undefined) throw new ConfigError(`option ${flag} needs a value`)
    fromFlags.set(flag, value)
  }
  const config = {} as Record<string, unknown>
  for (const s of settings) {
    const raw = fromFlags.get(s.flag) ?? env[s.env]
    if (raw === undefined || raw === '') {
      config[s.key] = s.default
      continue
    }
    try {
      config[s.key] = s.parse(raw)
    } catch (error) {
      const source = fromFlags.has(s.flag) ? s.flag : s.env
      throw new ConfigError(`invalid ${source}: ${(error as Error).message}`)
    }
  }
  return config as unknown as Config
}

export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({ ...loadConfig([], {}), ...overrides })

/**
 * Every setting of the server in one place: its command-line flag, its
 * environment variable, its default and what it means. README's
 * configuration table is written from this list.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { publicKey, readPem, secretKey } from './auth/keys.js'
import { parseOrigins } from './auth/origin.js'
import { retentionPolicies, type RetentionPolicy } from './history/retention.js'

/**
 * The built demo app is the package @ortak/demo (editor/ here, built into
 * editor/dist), found the way Node finds any dependency of the server: the
 * same lookup works in this repository and in an installed @ortak/server.
 */
function demoAppDir(): string {
  const require = createRequire(import.meta.url)
  try {
    return path.join(path.dirname(require.resolve('@ortak/demo/package.json')), 'dist')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error
    // Not installed: the server answers `/` with a page that says so.
    return path.resolve('node_modules/@ortak/demo/dist')
  }
}

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
  databaseUrl: string | null
  redisUrl: string | null
  redisPrefix: string
  peerTimeoutMs: number
  authSecret: string | null
  authPublicKey: string | null
  allowedOrigins: string[]
  maxMessagesPerSecond: number
  maxBytesPerSecond: number
  maxConnections: number
  maxConnectionsPerSecondPerAddress: number
  trustProxy: boolean
  maxConnectionsPerRoom: number
  maxLoadedRooms: number
  maxDocumentBytes: number
  maxUploadBytes: number
  maxRoomFileBytes: number
  maxPendingBytes: number
  maxBufferedBytes: number
  heartbeatIntervalMs: number
  headersTimeoutMs: number
  /** `off`: no versions are recorded and the version routes are absent. */
  versionHistory: 'on' | 'off'
  versionIdleMs: number
  versionMaxIntervalMs: number
  versionRetention: RetentionPolicy
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  logFormat: 'auto' | 'pretty' | 'json'
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

const yesOrNo: Parser<boolean> = (raw) => {
  if (raw !== 'true' && raw !== 'false') throw new RangeError(`expected true or false, got "${raw}"`)
  return raw === 'true'
}

const nonEmpty: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new RangeError('expected a non-empty value')
  return raw
}

const urlWithScheme = (...schemes: string[]): Parser<string> => (raw) => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new RangeError(`expected a URL like ${schemes[0]}//host:port/..., got something that is not a URL`)
  }
  if (!schemes.includes(url.protocol)) throw new RangeError(`expected a ${schemes.join(' or ')} URL, got a ${url.protocol} one`)
  return raw
}

// Key material is checked when it is read, so a bad secret or key stops the start-up, not the first connection.
const tokenSecret: Parser<string> = (raw) => {
  secretKey(raw)
  return raw
}

const publicKeyPem: Parser<string> = (raw) => {
  const pem = readPem(raw)
  publicKey(pem)
  return pem
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
  setting({ key: 'editorDir', flag: '--editor-dir', env: 'EDITOR_DIR', default: demoAppDir(), parse: nonEmpty,
    description: 'Built demo editor served at `/`: the `@ortak/demo` package (made by `npm run build`).' }),
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
  setting({ key: 'databaseUrl', flag: '--database-url', env: 'DATABASE_URL', default: null, parse: urlWithScheme('postgres:', 'postgresql:'),
    description: 'PostgreSQL URL (`postgres://user:password@host:5432/db`). When set, documents are stored there instead of the SQLite file; needed to run several instances.' }),
  setting({ key: 'redisUrl', flag: '--redis-url', env: 'REDIS_URL', default: null, parse: urlWithScheme('redis:', 'rediss:'),
    description: 'Redis URL (`redis://host:6379`) through which several instances share rooms. Needs `--database-url`.' }),
  setting({ key: 'redisPrefix', flag: '--redis-prefix', env: 'REDIS_PREFIX', default: 'ortak:', parse: nonEmpty,
    description: 'Prefix of every Redis channel, so several Ortak deployments can share one Redis.' }),
  setting({ key: 'peerTimeoutMs', flag: '--peer-timeout-ms', env: 'PEER_TIMEOUT_MS', default: 10_000, parse: integer(400, 600_000),
    description: 'An instance not heard from through Redis for this long is taken as gone: its clients vanish from the others\' awareness.' }),
  setting({ key: 'authSecret', flag: '--auth-secret', env: 'AUTH_SECRET', default: null, parse: tokenSecret,
    description: 'Shared secret (32+ characters) for HS256 access tokens. When set, or with `--auth-public-key`, every WebSocket connection needs a `?token=`. Prefer the variable: flags show in `ps`.' }),
  setting({ key: 'authPublicKey', flag: '--auth-public-key', env: 'AUTH_PUBLIC_KEY', default: null, parse: publicKeyPem,
    description: 'PEM public key (the text, or a path to a file) for tokens your login service signs with its private key (RSA, EC P-256/384/521 or Ed25519).' }),
  setting({ key: 'allowedOrigins', flag: '--allowed-origins', env: 'ALLOWED_ORIGINS', default: [] as string[], parse: parseOrigins,
    description: 'Comma-separated browser origins (`https://app.example.com`) allowed to open a WebSocket; others get HTTP 403. Empty allows any.' }),
  setting({ key: 'maxMessagesPerSecond', flag: '--max-messages-per-second', env: 'MAX_MESSAGES_PER_SECOND', default: 200, parse: integer(1),
    description: 'Messages one connection may send per second (bursts of two seconds\' worth pass); more closes it with 4529.' }),
  setting({ key: 'maxBytesPerSecond', flag: '--max-bytes-per-second', env: 'MAX_BYTES_PER_SECOND', default: 4 * 1024 * 1024, parse: integer(1024),
    description: 'Bytes one connection may send per second (bursts of two seconds\' worth plus one largest frame pass); more closes it with 4529.' }),
  setting({ key: 'maxConnectionsPerSecondPerAddress', flag: '--max-connections-per-second-per-address', env: 'MAX_CONNECTIONS_PER_SECOND_PER_ADDRESS', default: 20, parse: integer(1),
    description: 'WebSocket connections one client address may open per second (bursts of two seconds\' worth pass); more get HTTP 429. The message and byte budgets are kept per address too: a reconnecting client carries on with what its closed connections left, and an address in deficit gets HTTP 429 until it recovers.' }),
  setting({ key: 'trustProxy', flag: '--trust-proxy', env: 'TRUST_PROXY', default: false, parse: yesOrNo,
    description: '`true` behind a reverse proxy: the client address is the last entry of `X-Forwarded-For` (which your proxy must set), not the proxy\'s. Leave `false` otherwise, or any client could claim any address.' }),
  setting({ key: 'maxConnections', flag: '--max-connections', env: 'MAX_CONNECTIONS', default: 10_000, parse: integer(1),
    description: 'Connections open at once in this process; one more is closed with 4503 (try later).' }),
  setting({ key: 'maxConnectionsPerRoom', flag: '--max-connections-per-room', env: 'MAX_CONNECTIONS_PER_ROOM', default: 500, parse: integer(1),
    description: 'Connections open at once to one room; one more is closed with 4503 (try later).' }),
  setting({ key: 'maxLoadedRooms', flag: '--max-loaded-rooms', env: 'MAX_LOADED_ROOMS', default: 1_000, parse: integer(1),
    description: 'Rooms in memory at once. At the limit the room idle longest is unloaded early; with none idle, a connection to another room is closed with 4503 and an API call to it answered 503.' }),
  setting({ key: 'maxDocumentBytes', flag: '--max-document-bytes', env: 'MAX_DOCUMENT_BYTES', default: 32 * 1024 * 1024, parse: integer(1024),
    description: 'Largest document (stored snapshot plus log); an update that would pass it is refused with 4413.' }),
  setting({ key: 'maxUploadBytes', flag: '--max-upload-bytes', env: 'MAX_UPLOAD_BYTES', default: 10 * 1024 * 1024, parse: integer(1),
    description: 'Largest file (a picture) accepted by `POST /api/rooms/:room/files`; a larger one is answered 413 without being read whole.' }),
  setting({ key: 'maxRoomFileBytes', flag: '--max-room-file-bytes', env: 'MAX_ROOM_FILE_BYTES', default: 256 * 1024 * 1024, parse: integer(1),
    description: 'Most bytes of files (pictures) one room may hold, each file counted once however often it was uploaded; an upload that would pass it is answered 413 and stores nothing. A file the room holds already is taken again.' }),
  setting({ key: 'maxPendingBytes', flag: '--max-pending-bytes', env: 'MAX_PENDING_BYTES', default: 64 * 1024, parse: integer(0),
    description: 'Bytes of updates a room holds back, unapplied, because they wait for changes it never received (a reconnecting client\'s edit typed before it has sent what the room lacks); an update that would take it past this is refused with 4422.' }),
  setting({ key: 'maxBufferedBytes', flag: '--max-buffered-bytes', env: 'MAX_BUFFERED_BYTES', default: 8 * 1024 * 1024, parse: integer(1024),
    description: 'Bytes waiting to be sent to one client past which it counts as a slow consumer and is closed with 4508.' }),
  setting({ key: 'heartbeatIntervalMs', flag: '--heartbeat-interval-ms', env: 'HEARTBEAT_INTERVAL_MS', default: 5_000, parse: integer(50, 3_600_000),
    description: 'Every connection is pinged this often; one that does not answer by the next ping is terminated and its cursor removed.' }),
  setting({ key: 'headersTimeoutMs', flag: '--headers-timeout-ms', env: 'HEADERS_TIMEOUT_MS', default: 10_000, parse: integer(100, 600_000),
    description: 'A client must send the headers of a request or WebSocket upgrade within this time; a slower one gets HTTP 408 and is disconnected, so sockets held open by trickled headers are bounded.' }),
  setting({ key: 'versionHistory', flag: '--version-history', env: 'VERSION_HISTORY', default: 'on' as const, parse: oneOf('on', 'off'),
    description: '`off`: the server records no versions and answers the version routes 404 (versions stored before are kept, and read by `ortak versions` and `ortak export --version`). For a server that does not want history, and for measuring what history costs (`npm run bench` runs Ortak both ways).' }),
  setting({ key: 'versionIdleMs', flag: '--version-idle-ms', env: 'VERSION_IDLE_MS', default: 120_000, parse: integer(10, 86_400_000),
    description: 'A room\'s changes get an automatic version once nobody has changed it for this long (and when it is unloaded).' }),
  setting({ key: 'versionMaxIntervalMs', flag: '--version-max-interval-ms', env: 'VERSION_MAX_INTERVAL_MS', default: 1_800_000, parse: integer(10, 86_400_000),
    description: 'During continuous editing, an automatic version at least this long after the first change since the previous one.' }),
  setting({ key: 'versionRetention', flag: '--version-retention', env: 'VERSION_RETENTION', default: 'default' as const,
    parse: oneOf(...retentionPolicies),
    description: '`default`: automatic versions are thinned with age (all from the last day, one an hour for a week, one a day for three months, one a week after that); `all`: every version is kept. Named versions and restores are always kept.' }),
  setting({ key: 'logLevel', flag: '--log-level', env: 'LOG_LEVEL', default: 'info' as const,
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    description: 'Least severe log level written (pino levels).' }),
  setting({ key: 'logFormat', flag: '--log-format', env: 'LOG_FORMAT', default: 'auto' as const, parse: oneOf('auto', 'pretty', 'json'),
    description: '`pretty`: one human-readable line per event (pino-pretty); `json`: one JSON object per line; `auto`: pretty when standard output is a terminal, JSON otherwise.' }),
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
  // Instances sharing rooms through Redis must also share their storage, or each would catch up from its own.
  if (config.redisUrl !== null && config.databaseUrl === null) {
    throw new ConfigError('REDIS_URL (--redis-url) needs DATABASE_URL (--database-url): instances that share rooms must share one PostgreSQL database')
  }
  return config as unknown as Config
}

export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({ ...loadConfig([], {}), ...overrides })

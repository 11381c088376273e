/**
 * What every `ortak` subcommand shares: its shape, its two kinds of
 * failure, argument parsing that turns every mistake into one line, and
 * where documents come from (the data directory or database, or a running
 * server's HTTP API).
 */
import fs from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { pino, type Logger } from 'pino'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { roomNameProblem } from '../room-name.js'
import type { Storage } from '../storage/storage.js'

export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>
  /** Reads all of standard input (for `import ROOM -`). */
  readStdin(): Promise<Buffer>
  stdout(chunk: string | Uint8Array): void
  /** Progress and summaries, so stdout carries only the command's output. */
  stderr(text: string): void
}

export interface Command {
  name: string
  summary: string
  usage: string
  /** Throws UsageError for bad arguments and CommandFailure when the work cannot be done. */
  run(argv: string[], io: CommandIo): Promise<void>
}

/** Bad arguments: reported as one line, exit code 2. */
export class UsageError extends Error {}

/** The command understood its arguments but could not do the work: one line, exit code 1. */
export class CommandFailure extends Error {}

/** Runs one command; its failures become one line on stderr and the exit code (2: bad arguments, 1: the work failed). */
export async function runCommand(command: Command, argv: string[], io: CommandIo): Promise<number> {
  try {
    await command.run(argv, io)
    return 0
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ortak ${command.name}: ${error.message} (see ortak ${command.name} --help)\n`)
      return 2
    }
    if (error instanceof CommandFailure) {
      io.stderr(`ortak ${command.name}: ${error.message}\n`)
      return 1
    }
    io.stderr(`ortak ${command.name}: ${(error as Error).message.split('\n')[0]}\n`)
    return 1
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Options of every command that reads or writes stored documents directly. */
export const storageOptions = {
  data: { type: 'string' },
  'database-url': { type: 'string' },
} satisfies Options

export const storageUsage = `  --data DIR             folder of the SQLite database ortak.db (DATA_DIR, default ./data)
  --database-url URL     PostgreSQL instead of SQLite (DATABASE_URL)`

/** Options of commands that can also work through a running server. */
export const serverOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
} satisfies Options

export const serverUsage = `  --url URL              work through the running server at URL (ORTAK_URL) instead of
                         opening the storage: use it while the server runs, so connected
                         editors see the change
  --token TOKEN          access token for --url when access control is on (ORTAK_TOKEN)`

/** Parses `argv` strictly; `help` is always accepted. Every problem becomes a UsageError. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, positionals: { names: string[]; required: number }) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (error) {
    // Node's message for an unknown option goes on to explain `--`; the option is what the user needs.
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : (error as Error).message.split('\n')[0]!)
  }
  const count = parsed.positionals.length
  if (!(parsed.values as { help?: boolean }).help && count < positionals.required) {
    throw new UsageError(`missing ${positionals.names.slice(count, positionals.required).join(' and ')}`)
  }
  if (count > positionals.names.length) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.names.length]}"`)
  return parsed
}

export interface StorageSelection {
  data?: string
  'database-url'?: string
}

/**
 * Opens the storage named by --data/--database-url or DATA_DIR/DATABASE_URL.
 * A SQLite file that does not exist is an error unless `mayCreate`: a typo
 * in --data must not answer "no rooms" from a new empty database.
 */
export async function openStorage(selection: StorageSelection, io: CommandIo, mayCreate = false): Promise<{ storage: Storage; config: Config; log: Logger }> {
  const flags: string[] = []
  if (selection.data !== undefined) flags.push('--data', selection.data)
  if (selection['database-url'] !== undefined) flags.push('--database-url', selection['database-url'])
  let config: Config
  try {
    config = loadConfig(flags, io.env)
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message)
    throw error
  }
  // Loaded here, not at the top: the server's modules are what most of a command's start-up time goes to,
  // and --help or a bad argument should answer without them.
  const { databaseFile, defaultStorage } = await import('../server.js')
  if (!config.databaseUrl && !mayCreate && !fs.existsSync(databaseFile(config.dataDir))) {
    throw new CommandFailure(`no database at ${databaseFile(config.dataDir)}: point --data (or DATA_DIR) at the server's data folder`)
  }
  // Logs go to stderr: stdout carries the command's output (an export may be piped).
  const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, base: undefined }, pino.destination(2))
  return { storage: defaultStorage(config, log), config, log }
}

/** The server URL and token from --url/--token or ORTAK_URL/ORTAK_TOKEN; null when documents are opened directly. */
export function serverTarget(values: { url?: string; token?: string }, io: CommandIo): { url: string; token?: string } | null {
  const url = values.url ?? io.env.ORTAK_URL
  if (url === undefined || url === '') {
    if (values.token !== undefined) throw new UsageError('--token needs --url (or ORTAK_URL)')
    return null
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL like http://127.0.0.1:1234`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url: expected an http or https URL, got ${parsed.protocol}`)
  const token = values.token ?? io.env.ORTAK_TOKEN
  return { url: parsed.origin, ...(token ? { token } : {}) }
}

/** A ROOM argument, checked as the server checks room names. */
export function roomArgument(raw: string): string {
  const problem = roomNameProblem(raw)
  if (problem) throw new UsageError(`ROOM: ${problem}`)
  return raw
}

/** A version id argument: a whole number from 1. */
export function versionArgument(raw: string, what: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : 0
  if (id < 1) throw new UsageError(`${what} must be a version number (see ortak versions ROOM), got "${raw}"`)
  return id
}

/** Rows as a plain-text table, columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n'
}

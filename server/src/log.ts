/**
 * The process logger (pino): one JSON object per line for log collectors,
 * or one human-readable line per event (pino-pretty) for a person at a
 * terminal. LOG_FORMAT chooses; by default the terminal decides. And URLs
 * as its lines may show them.
 */
import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import type { Config } from './config.js'

export type { Logger }

/** Where log lines go: standard output, or a stream of a test's. */
export interface LogOutput extends NodeJS.WritableStream {
  isTTY?: boolean
}

export async function createLogger(
  level: Config['logLevel'], format: Config['logFormat'], output: LogOutput = process.stdout,
): Promise<Logger> {
  const options = { level, base: undefined }
  const isPretty = format === 'pretty' || (format === 'auto' && output.isTTY === true)
  if (!isPretty) return output === process.stdout ? pino(options) : pino(options, output)
  // Loaded only for a terminal: a server whose logs are collected never reads it. Required, not imported: the
  // compiled server has no import() (see code-cache.ts).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
  return pino(options, pretty({
    // Standard output is written synchronously, as pino does: a line logged just before exit is not lost.
    destination: output === process.stdout ? 1 : output,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
  }))
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable URL)'
  }
}

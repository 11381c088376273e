/** The process logger: one JSON line per event (pino), level from LOG_LEVEL. */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined })
}

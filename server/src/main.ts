/** The Ortak process: read settings, start the server, stop cleanly on SIGTERM/SIGINT. */
import { saveCodeCache } from './code-cache.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger, type Logger } from './log.js'
import { createOrtakServer, storageDescription, type OrtakServer } from './server.js'

const config = settingsOrExit()

/** Resolves once the server listens (the process exits if it cannot). */
export const started = start(config)

function settingsOrExit(): Config {
  try {
    return loadConfig(process.argv.slice(2), process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`ortak: ${error.message}\n`)
    process.exit(2)
  }
}

async function start(settings: Config): Promise<void> {
  const log = await createLogger(settings.logLevel, settings.logFormat)
  const server = createOrtakServer(settings, log)
  let address
  try {
    address = await server.listen()
  } catch (error) {
    log.fatal({ err: error }, `Ortak could not start: ${(error as Error).message}`)
    process.exit(1)
  }
  const { host, port } = address
  log.info({ host, port, database: storageDescription(settings), redis: server.bridge?.stats }, `Ortak is running: open ${browserUrl(host, port)} in a browser`)
  stopOnSignals(server, log)
  // After this turn: the clients waiting to reconnect come first.
  setImmediate(saveCodeCache)
}

/** The address a person opens: a server listening on every interface is reached at localhost. */
function browserUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${name}:${port}/`
}

function stopOnSignals(server: OrtakServer, log: Logger): void {
  let isStopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (isStopping) return
      isStopping = true
      log.info({ signal }, 'shutting down')
      // A shutdown that hangs must still end the process; clients reconnect either way.
      setTimeout(() => {
        log.error('shutdown took longer than 10 s; exiting')
        process.exit(1)
      }, 10_000).unref()
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }
}

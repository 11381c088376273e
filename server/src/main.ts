/** The Ortak process: read settings, start the server, stop cleanly on SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './log.js'
import { createOrtakServer, storageDescription } from './server.js'

let config
try {
  config = loadConfig(process.argv.slice(2), process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`ortak: ${error.message}\n`)
  process.exit(2)
}

const log = await createLogger(config.logLevel, config.logFormat)
const server = createOrtakServer(config, log)
let address
try {
  address = await server.listen()
} catch (error) {
  log.fatal({ err: error }, `Ortak could not start: ${(error as Error).message}`)
  process.exit(1)
}
const { host, port } = address
log.info({ host, port, database: storageDescription(config), redis: server.bridge?.stats }, `Ortak is running: open ${browserUrl(host, port)} in a browser`)

/** The address a person opens: a server listening on every interface is reached at localhost. */
function browserUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${name}:${port}/`
}

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

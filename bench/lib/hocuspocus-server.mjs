/**
 * Hocuspocus (@hocuspocus/server 4.7) at its default settings with its
 * SQLite extension (@hocuspocus/extension-sqlite, default settings) keeping
 * documents in one SQLite file in DATA, the run's data folder. Only the
 * address, the port (0 picks a free one) and the database file are chosen
 * here; it logs the bound port as a JSON line so the bench can find it.
 * Its start screen (printed by default) is left as it is.
 */
import path from 'node:path'
import { Server } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'

const host = process.env.HOST || '127.0.0.1'
const port = Number.parseInt(process.env.PORT || '0')
const dataDir = process.env.DATA
if (!dataDir) throw new Error('hocuspocus-server: DATA (the data folder) is required')

const server = new Server({
  address: host,
  port,
  extensions: [new SQLite({ database: path.join(dataDir, 'hocuspocus.sqlite') })],
})
await server.listen()
console.log(JSON.stringify({ msg: 'hocuspocus listening', host, port: server.address.port }))

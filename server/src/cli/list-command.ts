/** `ortak list`: the stored rooms with their size, update count and last change. */
import type { RoomSummary } from '../api/room-documents.js'
import { ApiClient } from './api-client.js'
import {
  openStorage, parseCommandArgs, serverOptions, serverTarget, serverUsage, storageOptions, storageUsage, table, type Command,
} from './command.js'

export const listCommand: Command = {
  name: 'list',
  summary: 'list stored rooms with size, updates and last change',
  usage: `Usage: ortak list [--json] [options]

Lists the stored rooms by name: bytes stored, updates in the log since the
last compaction, time of the last change, and (with --url) connected clients.

  --json                 one JSON array instead of a table
${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...storageOptions, ...serverOptions }, { names: [], required: 0 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const server = serverTarget(values, io)
    let rooms: Array<Omit<RoomSummary, 'clients'> & { clients?: number }>
    if (server) {
      rooms = await new ApiClient(server).list()
    } else {
      const { storage } = await openStorage(values, io)
      try {
        rooms = (await storage.list()).map((room) => ({
          name: room.name, bytes: room.bytes, updates: room.logCount, updatedAt: new Date(room.updatedAt).toISOString(),
        }))
      } finally {
        await storage.close()
      }
    }
    rooms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    if (values.json) return io.stdout(`${JSON.stringify(rooms, null, 2)}\n`)
    const header = ['ROOM', 'BYTES', 'UPDATES', 'LAST CHANGE', ...(server ? ['CLIENTS'] : [])]
    const rows = rooms.map((room) => [
      room.name, String(room.bytes), String(room.updates), room.updatedAt, ...(server ? [String(room.clients ?? 0)] : []),
    ])
    io.stdout(table([header, ...rows]))
    io.stderr(`${rooms.length} room${rooms.length === 1 ? '' : 's'}\n`)
  },
}

/** `ortak restore ROOM ID`: makes a document what it was at a version, as one change its editors see live. */
import { ApiClient } from './api-client.js'
import { withLocalHistory } from './local-documents.js'
import {
  parseCommandArgs, roomArgument, serverOptions, serverTarget, serverUsage, storageOptions, storageUsage, versionArgument, type Command,
} from './command.js'

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'make a document what it was at one of its versions',
  usage: `Usage: ortak restore ROOM ID [options]

Makes ROOM's document equal to its version ID (see ortak versions ROOM) as
one new change, itself recorded as a version ("restored from ..."). Editors
connected through --url see it live; edits made offline meanwhile merge on top.

${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...storageOptions, ...serverOptions }, { names: ['ROOM', 'ID'], required: 2 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const room = roomArgument(positionals[0]!)
    const id = versionArgument(positionals[1]!, 'ID')
    const server = serverTarget(values, io)
    let result: { changed: boolean; version: { id: number } }
    if (server) {
      result = await new ApiClient(server).restore(room, id)
    } else {
      result = await withLocalHistory(values, io, (history) => history.restore(room, id, { id: null, name: 'ortak restore', verified: false }), { records: true })
    }
    io.stderr(result.changed
      ? `restored room "${room}" to version ${id}; recorded as version ${result.version.id}\n`
      : `room "${room}" already equalled version ${id}; recorded the restore as version ${result.version.id}\n`)
  },
}

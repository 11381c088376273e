/** `ortak versions ROOM`: a room's versions, newest first, with their time, kind, name and authors. */
import { listedVersion, type ListedVersion } from '../api/room-versions.js'
import { ApiClient } from './api-client.js'
import { parseCommandArgs, roomArgument, serverOptions, serverTarget, serverUsage, storageOptions, storageUsage, table, type Command } from './command.js'
import { withLocalHistory } from './local-documents.js'

export const versionsCommand: Command = {
  name: 'versions',
  summary: 'list the versions of a document, newest first',
  usage: `Usage: ortak versions ROOM [--json] [options]

Lists the versions of ROOM's document, newest first: id, time, kind (auto,
named, restore), name, and authors (a * marks a name the server could not
verify: without access control it is what the client showed). Open one with
ortak export ROOM --version ID, restore one with ortak restore ROOM ID.

  --json                 one JSON array instead of a table
${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...storageOptions, ...serverOptions }, { names: ['ROOM'], required: 1 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const room = roomArgument(positionals[0]!)
    const server = serverTarget(values, io)
    let versions: ListedVersion[]
    if (server) {
      versions = await new ApiClient(server).versions(room)
    } else {
      versions = await withLocalHistory(values, io, async (history) => {
        const listed: ListedVersion[] = []
        let cursor: number | undefined
        do {
          const page = await history.list(room, 1000, cursor)
          listed.push(...page.versions.map(listedVersion))
          cursor = page.next ?? undefined
        } while (cursor !== undefined)
        return listed
      })
    }
    if (values.json) return io.stdout(`${JSON.stringify(versions, null, 2)}\n`)
    const rows = versions.map((v) => [
      String(v.id), v.createdAt, v.kind, v.name ?? '', v.authors.map((a) => (a.verified ? a.name : `${a.name}*`)).join(', '),
    ])
    io.stdout(table([['ID', 'TIME', 'KIND', 'NAME', 'AUTHORS'], ...rows]))
    io.stderr(`${versions.length} version${versions.length === 1 ? '' : 's'}\n`)
  },
}

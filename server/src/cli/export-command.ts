/** `ortak export ROOM --format F [--version ID]`: a stored document (or one of its versions) as markdown, HTML, text, ProseMirror JSON or a Yjs update. */
import fs from 'node:fs'
import { exportDocument, exportFormats, isExportFormat } from '../documents/formats.js'
import { ApiClient } from './api-client.js'
import {
  CommandFailure, UsageError, openStorage, parseCommandArgs, roomArgument, serverOptions, serverTarget, serverUsage, storageOptions,
  storageUsage, versionArgument, type Command,
} from './command.js'
import { withLocalDocuments } from './local-documents.js'

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a document as markdown, html, text, json or yjs',
  usage: `Usage: ortak export ROOM [--format FORMAT] [--version ID] [--output FILE] [options]

Writes the stored document of ROOM to standard output (or FILE).

  --format FORMAT        ${exportFormats.join(', ')} (default: markdown); json is ProseMirror
                         JSON, yjs the whole Yjs state as one update (binary)
  --version ID           the document as it was at version ID (see ortak versions ROOM);
                         as yjs, the update holding every change up to it, deleted
                         content included (what a diff between versions needs)
  --output FILE, -o      write to FILE instead of standard output
${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' }, version: { type: 'string' }, output: { type: 'string', short: 'o' }, ...storageOptions, ...serverOptions,
    }, { names: ['ROOM'], required: 1 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const room = roomArgument(positionals[0]!)
    const version = values.version === undefined ? null : versionArgument(values.version, '--version')
    const format = values.format ?? 'markdown'
    if (!isExportFormat(format)) throw new UsageError(`--format must be one of ${exportFormats.join(', ')}, got "${format}"`)

    const server = serverTarget(values, io)
    let output: string | Uint8Array
    if (server) {
      const api = new ApiClient(server)
      output = version === null ? await api.export(room, format) : await api.exportVersion(room, version, format)
    } else {
      const { storage, config, log } = await openStorage(values, io)
      output = await withLocalDocuments(storage, config, log, async (documents, versions) => {
        if (version !== null && !versions) throw new CommandFailure('this storage keeps no version history')
        const doc = version === null ? await documents.read(room) : await versions!.open(room, version)
        if (!doc) throw new CommandFailure(`no document is stored for room "${room}"`)
        try {
          return await exportDocument(doc, format)
        } finally {
          doc.destroy()
        }
      })
    }
    // Text ends with a newline, as files and terminals expect; a Yjs update is written as it is.
    const isText = format !== 'yjs'
    const bytes = typeof output === 'string' ? Buffer.from(output) : output
    const ending = isText && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? '\n' : ''
    if (values.output === undefined) {
      io.stdout(bytes)
      if (ending) io.stdout(ending)
      return
    }
    try {
      fs.writeFileSync(values.output, ending ? Buffer.concat([bytes, Buffer.from(ending)]) : bytes)
    } catch (error) {
      throw new CommandFailure(`cannot write ${values.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    io.stderr(`exported room "${room}" as ${format} to ${values.output}\n`)
  },
}

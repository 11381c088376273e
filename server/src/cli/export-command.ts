/** `ortak export ROOM --format F`: a stored document as markdown, HTML, text, ProseMirror JSON or a Yjs update. */
import fs from 'node:fs'
import { exportDocument, exportFormats, isExportFormat } from '../documents/formats.js'
import { roomNameProblem } from '../room-name.js'
import { ApiClient } from './api-client.js'
import {
  CommandFailure, UsageError, openStorage, parseCommandArgs, serverOptions, serverTarget, serverUsage, storageOptions, storageUsage,
  type Command,
} from './command.js'
import { withLocalDocuments } from './local-documents.js'

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a document as markdown, html, text, json or yjs',
  usage: `Usage: ortak export ROOM [--format FORMAT] [--output FILE] [options]

Writes the stored document of ROOM to standard output (or FILE).

  --format FORMAT        ${exportFormats.join(', ')} (default: markdown); json is ProseMirror
                         JSON, yjs the whole Yjs state as one update (binary)
  --output FILE, -o      write to FILE instead of standard output
${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' }, output: { type: 'string', short: 'o' }, ...storageOptions, ...serverOptions,
    }, { names: ['ROOM'], required: 1 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const room = positionals[0]!
    const roomProblem = roomNameProblem(room)
    if (roomProblem) throw new UsageError(`ROOM: ${roomProblem}`)
    const format = values.format ?? 'markdown'
    if (!isExportFormat(format)) throw new UsageError(`--format must be one of ${exportFormats.join(', ')}, got "${format}"`)

    const server = serverTarget(values, io)
    let output: string | Uint8Array
    if (server) {
      output = await new ApiClient(server).export(room, format)
    } else {
      const { storage, config, log } = await openStorage(values, io)
      output = await withLocalDocuments(storage, config, log, async (documents) => {
        const doc = await documents.read(room)
        if (!doc) throw new CommandFailure(`no document is stored for room "${room}"`)
        return exportDocument(doc, format)
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

/** `ortak import ROOM FILE`: seed (or with --replace, replace) a document from markdown, HTML, ProseMirror JSON or a Yjs update. */
import fs from 'node:fs'
import path from 'node:path'
import { DocumentConflictError, type WriteMode } from '../api/room-documents.js'
import { DocumentInputError, importFormats, isImportFormat, parseDocument, type ImportFormat } from '../documents/formats.js'
import { ProtocolError } from '../protocol/messages.js'
import { roomNameProblem } from '../room-name.js'
import { ApiClient } from './api-client.js'
import {
  CommandFailure, UsageError, openStorage, parseCommandArgs, serverOptions, serverTarget, serverUsage, storageOptions, storageUsage,
  type Command,
} from './command.js'
import { withLocalDocuments } from './local-documents.js'

type FileFormat = ImportFormat | 'yjs'
const fileFormats: readonly FileFormat[] = [...importFormats, 'yjs']
const byExtension: Record<string, FileFormat> = {
  '.md': 'markdown', '.markdown': 'markdown', '.html': 'html', '.htm': 'html', '.json': 'json', '.yjs': 'yjs', '.bin': 'yjs',
}

export const importCommand: Command = {
  name: 'import',
  summary: 'seed or replace a document from a markdown, html, json or yjs file',
  usage: `Usage: ortak import ROOM FILE [--format FORMAT] [--replace] [options]

Seeds the document of ROOM from FILE (- reads standard input). Seeding a
document that already has content fails; --replace overwrites it instead,
as one change that connected editors see live.

  --format FORMAT        ${fileFormats.join(', ')} (default: from FILE's extension:
                         .md .markdown .html .htm .json .yjs .bin); yjs applies a binary
                         Yjs update, merged into the document (no --replace)
  --replace              replace the content of a document that has some
${storageUsage}
${serverUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' }, replace: { type: 'boolean' }, ...storageOptions, ...serverOptions,
    }, { names: ['ROOM', 'FILE'], required: 2 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const [room, file] = positionals as [string, string]
    const roomProblem = roomNameProblem(room)
    if (roomProblem) throw new UsageError(`ROOM: ${roomProblem}`)
    const format = values.format ?? byExtension[path.extname(file).toLowerCase()]
    if (format === undefined) throw new UsageError(`cannot tell the format of "${file}" from its extension: pass --format (${fileFormats.join(', ')})`)
    if (!isImportFormat(format) && format !== 'yjs') throw new UsageError(`--format must be one of ${fileFormats.join(', ')}, got "${format}"`)
    if (format === 'yjs' && values.replace) throw new UsageError('--replace does not apply to a yjs update, which is merged into the document')
    const mode: WriteMode = values.replace ? 'replace' : 'seed'
    const content = await readInput(file, io)

    const server = serverTarget(values, io)
    if (server) {
      const api = new ApiClient(server)
      if (format === 'yjs') {
        await api.applyUpdate(room, content)
        return io.stderr(`applied a ${content.byteLength}-byte Yjs update to room "${room}"\n`)
      }
      return report(room, mode, await api.write(room, content.toString('utf8'), format, mode), io)
    }
    const { storage, config, log } = await openStorage(values, io, true)
    await withLocalDocuments(storage, config, log, async (documents) => {
      try {
        if (format === 'yjs') {
          await documents.applyUpdate(room, content)
          return io.stderr(`applied a ${content.byteLength}-byte Yjs update to room "${room}"\n`)
        }
        report(room, mode, await documents.write(room, await parseDocument(content.toString('utf8'), format), mode), io)
      } catch (error) {
        if (error instanceof DocumentConflictError) throw new CommandFailure(`room "${room}" already has content: pass --replace to overwrite it`)
        if (error instanceof DocumentInputError || error instanceof ProtocolError) throw new CommandFailure(`${file}: ${error.message}`)
        throw error
      }
    })
  },
}

async function readInput(file: string, io: Parameters<Command['run']>[1]): Promise<Buffer> {
  if (file === '-') return io.readStdin()
  try {
    return fs.readFileSync(file)
  } catch (error) {
    throw new CommandFailure(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function report(room: string, mode: WriteMode, result: { changed: boolean; updateBytes: number }, io: Parameters<Command['run']>[1]): void {
  if (!result.changed) return io.stderr(`room "${room}" already holds exactly this document: nothing changed\n`)
  io.stderr(`${mode === 'seed' ? 'seeded' : 'replaced'} room "${room}" (one ${result.updateBytes}-byte update)\n`)
}

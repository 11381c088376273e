/** `ortak inspect ROOM`: how a room is stored (log, snapshot, state vector) and what its document holds. */
import * as Y from 'yjs'
import { roomNameProblem } from '../room-name.js'
import { yDocFromUpdates } from '../documents/replica-doc.js'
import { readDocument } from '../documents/yjs-document.js'
import { CommandFailure, UsageError, openStorage, parseCommandArgs, storageOptions, storageUsage, type Command } from './command.js'

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show how a room is stored: log, snapshot, state vector',
  usage: `Usage: ortak inspect ROOM [--json] [options]

Shows how ROOM is stored: the updates in its log and their size, its
snapshot, its Yjs state vector (each client id with its clock), the time of
its last change, and the size of its document.

  --json                 one JSON object instead of text
${storageUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...storageOptions }, { names: ['ROOM'], required: 1 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const room = positionals[0]!
    const problem = roomNameProblem(room)
    if (problem) throw new UsageError(`ROOM: ${problem}`)
    const { storage } = await openStorage(values, io)
    let report
    try {
      const info = (await storage.list()).find((stored) => stored.name === room)
      if (!info) throw new CommandFailure(`no room "${room}" is stored`)
      const stored = await storage.load(room)
      // The snapshot, when there is one, comes before the logged updates.
      const snapshotBytes = stored.updates.length > stored.logCount ? stored.updates[0]!.byteLength : null
      const doc = yDocFromUpdates(stored.updates)
      const stateVector = Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b))
      const document = readDocument(doc)
      doc.destroy()
      report = {
        room,
        log: { updates: stored.logCount, bytes: stored.logBytes, lastSeq: stored.lastSeq },
        snapshotBytes,
        storedBytes: info.bytes,
        updatedAt: new Date(info.updatedAt).toISOString(),
        stateVector,
        document: { blocks: document.childCount, characters: document.textContent.length },
      }
    } finally {
      await storage.close()
    }
    if (values.json) return io.stdout(`${JSON.stringify(report, null, 2)}\n`)
    const clients = Object.entries(report.stateVector)
    io.stdout([
      `room          ${report.room}`,
      `log           ${report.log.updates} updates, ${report.log.bytes} bytes${report.log.lastSeq ? ` (last seq ${report.log.lastSeq})` : ''}`,
      `snapshot      ${report.snapshotBytes === null ? 'none' : `${report.snapshotBytes} bytes`}`,
      `stored        ${report.storedBytes} bytes, last change ${report.updatedAt}`,
      `state vector  ${clients.length === 0 ? 'empty' : clients.map(([client, clock]) => `${client}:${clock}`).join(' ')}`,
      `document      ${report.document.blocks} blocks, ${report.document.characters} characters of text`,
    ].join('\n') + '\n')
  },
}

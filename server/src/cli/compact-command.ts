/** `ortak compact [ROOM]`: merge a room's update log (or every room's) into one snapshot. */
import * as Y from 'yjs'
import { roomNameProblem } from '../room-name.js'
import { yDocFromUpdates } from '../documents/replica-doc.js'
import type { Storage } from '../storage/storage.js'
import { CommandFailure, UsageError, openStorage, parseCommandArgs, storageOptions, storageUsage, type Command } from './command.js'

export const compactCommand: Command = {
  name: 'compact',
  summary: 'merge update logs into snapshots (one room, or all)',
  usage: `Usage: ortak compact [ROOM] [options]

Replaces the update log of ROOM (of every room when ROOM is left out) by one
snapshot, in one transaction per room; what the server appends meanwhile
stays in the log. Safe while the server runs.

${storageUsage}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, storageOptions, { names: ['ROOM'], required: 0 })
    if (values.help) return io.stdout(`${this.usage}\n`)
    const only = positionals[0]
    if (only !== undefined) {
      const problem = roomNameProblem(only)
      if (problem) throw new UsageError(`ROOM: ${problem}`)
    }
    const { storage } = await openStorage(values, io)
    try {
      const names = (await storage.list()).map((room) => room.name)
      if (only !== undefined && !names.includes(only)) throw new CommandFailure(`no room "${only}" is stored`)
      for (const name of only !== undefined ? [only] : names) io.stdout(`${await compactRoom(storage, name)}\n`)
    } finally {
      await storage.close()
    }
  },
}

async function compactRoom(storage: Storage, room: string): Promise<string> {
  const stored = await storage.load(room)
  if (stored.logCount === 0) return `${room}: already compact (no updates in the log)`
  const doc = yDocFromUpdates(stored.updates)
  const snapshot = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  await storage.compact(room, snapshot, stored.lastSeq, stored.generation)
  return `${room}: ${stored.logCount} updates (${stored.logBytes} bytes) -> snapshot of ${snapshot.byteLength} bytes`
}

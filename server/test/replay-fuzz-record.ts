/**
 * Replays an honest client of a break the hostile-updates fuzz recorded
 * (`npx tsx server/test/replay-fuzz-record.ts <file.json> [client index]`):
 * every frame the room sent it and every edit it made, in order, into a
 * new document with its client id, and names the first event after which
 * that document breaks what Yjs relies on: a live map value that is not
 * its key's current one, a live child under a deleted type, or a document
 * its own encoded state does not rebuild. With `--write <file>` it also
 * writes the document's state before that event, to look into.
 */
import fs from 'node:fs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { brokenStructure } from './document-differences.js'
import { MESSAGE_SYNC } from '@ortak/protocol'
import { makeHonestEdit, type HonestEvent } from './honest-edits.js'

const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))

/** Applies one recorded event to `doc`, as the provider or the user did. */
function replay(doc: Y.Doc, event: HonestEvent): void {
  if (event.kind === 'received') {
    const decoder = decoding.createDecoder(unhex(event.frame))
    if (decoding.readVarUint(decoder) === MESSAGE_SYNC) syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, 'room')
  } else if (event.update) {
    Y.applyUpdate(doc, unhex(event.update), 'edit')
  } else {
    makeHonestEdit(doc, event.edit)
  }
}

function main(): void {
  const [file, which = '0', flag, out] = process.argv.slice(2)
  if (!file) throw new Error('usage: replay-fuzz-record.ts <record.json> [client index] [--write <state file>]')
  const record = JSON.parse(fs.readFileSync(file, 'utf8'))
  const client = record.clientEvents ? { clientId: record.clientId, events: record.clientEvents } : record.honest?.[Number(which)]
  if (!client?.events) throw new Error(`${file} holds no recorded events for client ${which}`)
  const doc = new Y.Doc()
  for (const [at, event] of (client.events as HonestEvent[]).entries()) {
    const before = Y.encodeStateAsUpdate(doc)
    // Applying its own edits' updates makes Yjs think another client uses its id: it keeps its own, as the client did.
    doc.clientID = client.clientId
    try {
      replay(doc, event)
    } catch (error) {
      console.log(`event ${at} (${event.kind}) threw: ${(error as Error).message}`)
    }
    const problem = brokenStructure(doc)
    if (!problem) continue
    console.log(`after event ${at} (${event.kind === 'received' ? `frame ${event.frame}` : JSON.stringify(event.edit)}): ${problem}`)
    if (flag === '--write' && out) fs.writeFileSync(out, before)
    return
  }
  console.log(`${client.events.length} events replayed: the document stays sound`)
}

main()

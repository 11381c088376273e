/** The small document (one 64-character paragraph) the room-each layouts write into each fresh room. */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'

export const SMALL_DOCUMENT_ROOT = 't'
export const SMALL_DOCUMENT_TEXT = 'A small document: one short paragraph typed into a fresh room....'

/** The document as one y-websocket sync-update frame. */
export const smallDocumentFrame: Uint8Array = (() => {
  const doc = new Y.Doc()
  doc.getText(SMALL_DOCUMENT_ROOT).insert(0, SMALL_DOCUMENT_TEXT)
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, 2)
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(doc))
  return encoding.toUint8Array(encoder)
})()

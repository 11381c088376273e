/**
 * Whether a room takes an update, decided before Yjs sees it, so a refused
 * update changes nothing: the document's size limit, the bound on what
 * waits for missing changes, and the schema (content the editor would
 * destroy). The structural checks came earlier, when the frame was decoded.
 */
import type * as Y from 'yjs'
import { CLOSE_DOCUMENT_TOO_LARGE, CLOSE_MISSING_DEPENDENCIES } from '@ortak/protocol'
import { ProtocolError } from '../protocol/messages.js'
import { unknownContentRefusal } from '../protocol/schema-guard.js'

export interface UpdateLimits {
  /** Updates that would take the document past this many bytes are refused (no limit if absent). */
  maxDocumentBytes?: number
  /** Updates that may wait for missing changes are refused once this many bytes wait (no limit if absent). */
  maxPendingBytes?: number
}

/**
 * Why `update` may not be applied to `doc`, or null. `documentBytes` is the
 * document's size as stored; `mayWait` whether the update may depend on
 * changes the document lacks (from the update guard).
 */
export function updateRefusal(update: Uint8Array, mayWait: boolean, doc: Y.Doc, documentBytes: number, limits: UpdateLimits): ProtocolError | null {
  const maxBytes = limits.maxDocumentBytes ?? Number.POSITIVE_INFINITY
  if (documentBytes + update.byteLength > maxBytes) {
    return new ProtocolError(CLOSE_DOCUMENT_TOO_LARGE, `document size limit: this update would take it past ${maxBytes} bytes`)
  }
  // Yjs keeps what waits for missing changes and merges it again with every later update: bounded,
  // or a writer could make every keystroke of the room cost time in proportion to what it piled up.
  const maxPending = limits.maxPendingBytes ?? Number.POSITIVE_INFINITY
  if (mayWait && pendingBytes(doc) + update.byteLength > maxPending) {
    return new ProtocolError(CLOSE_MISSING_DEPENDENCIES,
      `this update depends on changes the room never received, and more than ${maxPending} bytes of such updates would wait`)
  }
  return unknownContentRefusal(update, doc)
}

/** Bytes of updates Yjs keeps waiting for changes the document lacks. */
function pendingBytes(doc: Y.Doc): number {
  const { pendingStructs, pendingDs } = doc.store
  return (pendingStructs?.update.byteLength ?? 0) + (pendingDs?.byteLength ?? 0)
}

/**
 * Whether a room takes an update, decided before Yjs sees it, so a refused
 * update changes nothing: the document's size limit and the schema
 * (content the editor would destroy, or that would break a text). The
 * structural checks came earlier, when the frame was decoded; an update
 * that depends on changes the room lacks never gets here (see
 * waiting-updates.ts).
 */
import type * as Y from 'yjs'
import { CLOSE_DOCUMENT_TOO_LARGE } from '@ortak/protocol'
import { ProtocolError } from '../protocol/messages.js'
import { contentRefusal } from '../protocol/schema-guard.js'

export interface UpdateLimits {
  /** Updates that would take the document past this many bytes are refused (no limit if absent). */
  maxDocumentBytes?: number
  /** Bytes of updates waiting for missing changes the room holds back; one more is refused (no limit if absent). */
  maxPendingBytes?: number
}

/** Why `update` may not be applied to `doc`, or null. `documentBytes` is the document's size as stored. */
export function updateRefusal(update: Uint8Array, doc: Y.Doc, documentBytes: number, limits: UpdateLimits): ProtocolError | null {
  const maxBytes = limits.maxDocumentBytes ?? Number.POSITIVE_INFINITY
  if (documentBytes + update.byteLength > maxBytes) {
    return new ProtocolError(CLOSE_DOCUMENT_TOO_LARGE, `document size limit: this update would take it past ${maxBytes} bytes`)
  }
  return contentRefusal(update, doc)
}

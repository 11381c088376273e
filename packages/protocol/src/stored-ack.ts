/**
 * Ortak's stored-acknowledgement (MESSAGE_STORED): the server counts the
 * document messages a client sends on a connection and tells it how many of
 * them are durably stored; the client counts the ones it sent to know which
 * changes are safe.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MESSAGE_STORED, MESSAGE_SYNC, SYNC_STEP_2, SYNC_UPDATE } from './message-types.js'

/** The whole frame: the first `count` document messages of this connection are stored. */
export function encodeStored(count: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_STORED)
  encoding.writeVarUint(encoder, count)
  return encoding.toUint8Array(encoder)
}

/** Reads the count of a MESSAGE_STORED body, from a decoder positioned after the message type. */
export const readStoredCount = (decoder: decoding.Decoder): number => decoding.readVarUint(decoder)

/**
 * Whether a frame carries document content, a sync step 2 or an update: the
 * messages the server counts for its acknowledgements. Both type bytes are
 * below 128, so they are the frame's first two bytes.
 */
export function isDocumentMessage(frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0] === MESSAGE_SYNC && (frame[1] === SYNC_STEP_2 || frame[1] === SYNC_UPDATE)
}

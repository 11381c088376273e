/**
 * The y-websocket wire protocol as the server reads and writes it, as pure
 * functions: one WebSocket binary frame holds one message, a varUint
 * message type (defined in @ortak/protocol) followed by its body. Decoding
 * validates the whole frame (see update-guard.ts) so the room only ever
 * sees well-formed messages.
 */
import * as encoding from 'lib0/encoding'
import {
  CLOSE_INVALID_PAYLOAD, CLOSE_PROTOCOL_ERROR, MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC,
  SYNC_STEP_1, SYNC_STEP_2, SYNC_UPDATE,
} from '@ortak/protocol'
import { FrameReader, MalformedFrame } from './reader.js'
import { MAX_STATE_VECTOR_ENTRIES, checkStateVector, checkUpdate, type HeldClocks, type MissingClock } from './update-guard.js'

export type ClientMessage =
  | { type: 'sync-step-1'; stateVector: Uint8Array }
  /** `missing`: the first clock the update depends on that the document lacks (see update-guard.ts). */
  | { type: 'sync-step-2'; update: Uint8Array; missing: MissingClock | null }
  | { type: 'update'; update: Uint8Array; missing: MissingClock | null }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' }

/** A frame that must close its connection: the close code and a reason a developer can act on. */
export class ProtocolError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message)
  }
}

/** What the room's document holds, for the checks that depend on it. */
export interface HeldDocument extends HeldClocks {
  /** How many clients the document holds: a state vector listing many more is of no use to it. */
  clientCount(): number
}

/**
 * Entries a state vector may list beyond the clients the document holds:
 * clients it has not sent yet, generously, so that a client is never
 * refused for what it holds.
 */
const STATE_VECTOR_SLACK = 10_000

/** Decodes and validates one frame from a client, against `held` when given. Throws ProtocolError. */
export function decodeClientMessage(frame: Uint8Array, held?: HeldDocument): ClientMessage {
  if (frame.length === 0) throw new ProtocolError(CLOSE_PROTOCOL_ERROR, 'empty frame')
  const reader = new FrameReader(frame)
  let messageType: number
  try {
    messageType = reader.varUint()
  } catch (error) {
    throw new ProtocolError(CLOSE_PROTOCOL_ERROR, `message type: ${(error as Error).message}`)
  }
  switch (messageType) {
    case MESSAGE_SYNC:
      return decodeSync(reader, held)
    case MESSAGE_AWARENESS: {
      const update = body(reader, 'awareness update', CLOSE_PROTOCOL_ERROR)
      checkAwarenessUpdate(update)
      return { type: 'awareness', update }
    }
    case MESSAGE_QUERY_AWARENESS:
      if (reader.remaining !== 0) throw new ProtocolError(CLOSE_PROTOCOL_ERROR, 'query-awareness message has a body')
      return { type: 'query-awareness' }
    case MESSAGE_AUTH:
      throw new ProtocolError(CLOSE_PROTOCOL_ERROR, 'auth messages are sent by the server only')
    default:
      throw new ProtocolError(CLOSE_PROTOCOL_ERROR, `unknown message type ${messageType}`)
  }
}

function decodeSync(reader: FrameReader, held: HeldDocument | undefined): ClientMessage {
  let syncType: number
  try {
    syncType = reader.varUint()
  } catch (error) {
    throw new ProtocolError(CLOSE_PROTOCOL_ERROR, `sync message type: ${(error as Error).message}`)
  }
  if (syncType === SYNC_STEP_1) {
    const stateVector = body(reader, 'state vector', CLOSE_PROTOCOL_ERROR)
    try {
      checkStateVector(stateVector, held ? Math.min(MAX_STATE_VECTOR_ENTRIES, held.clientCount() + STATE_VECTOR_SLACK) : MAX_STATE_VECTOR_ENTRIES)
    } catch (error) {
      throw new ProtocolError(CLOSE_INVALID_PAYLOAD, `state vector could not be decoded: ${(error as Error).message}`)
    }
    return { type: 'sync-step-1', stateVector }
  }
  if (syncType === SYNC_STEP_2 || syncType === SYNC_UPDATE) {
    const update = body(reader, 'update', CLOSE_INVALID_PAYLOAD)
    const missing = checkDocumentUpdate(update, held)
    return { type: syncType === SYNC_STEP_2 ? 'sync-step-2' : 'update', update, missing }
  }
  throw new ProtocolError(CLOSE_PROTOCOL_ERROR, `unknown sync message type ${syncType}`)
}

/** The varUint8Array body of a message, which must end the frame. */
function body(reader: FrameReader, what: string, closeCode: number): Uint8Array {
  try {
    const bytes = reader.varBytes()
    reader.expectEnd(what)
    return bytes
  } catch (error) {
    throw new ProtocolError(closeCode, `${what}: ${(error as Error).message}`)
  }
}

/**
 * Throws a ProtocolError naming the problem if `update` is not a well-formed
 * Yjs v1 update (see update-guard.ts); returns the first clock it depends
 * on that the document lacks, or null.
 */
export function checkDocumentUpdate(update: Uint8Array, held?: HeldClocks): MissingClock | null {
  try {
    return checkUpdate(update, held)
  } catch (error) {
    throw new ProtocolError(CLOSE_INVALID_PAYLOAD, `update could not be decoded: ${(error as Error).message}`)
  }
}

/** Throws a ProtocolError naming the problem if `update` is not a well-formed y-protocols awareness update (entries of client id, clock and a JSON state). */
export function checkAwarenessUpdate(update: Uint8Array): void {
  const reader = new FrameReader(update)
  try {
    const entries = reader.count(3)
    for (let i = 0; i < entries; i++) {
      reader.varUint()
      reader.varUint()
      JSON.parse(reader.varString())
    }
    reader.expectEnd('awareness update')
  } catch (error) {
    const reason = error instanceof MalformedFrame ? error.message : 'state is not valid JSON'
    throw new ProtocolError(CLOSE_INVALID_PAYLOAD, `awareness update could not be decoded: ${reason}`)
  }
}

/** One entry of an awareness update: a client's state at a clock; `start` and `end` are its bytes in the update. */
export interface AwarenessEntry {
  clientId: number
  clock: number
  isRemoval: boolean
  start: number
  end: number
}

const NULL_STATE = new TextEncoder().encode('null')

/** Reads the client ids and clocks of an already validated awareness update, without decoding the states. */
export function awarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const reader = new FrameReader(update)
  const entries = reader.count(3)
  const out = []
  for (let i = 0; i < entries; i++) {
    const start = reader.pos
    const clientId = reader.varUint()
    const clock = reader.varUint()
    const state = reader.varBytes()
    const isRemoval = state.length === 4 && state.every((byte, at) => byte === NULL_STATE[at])
    out.push({ clientId, clock, isRemoval, start, end: reader.pos })
  }
  return out
}

function message(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array =>
  message(MESSAGE_SYNC, (e) => {
    encoding.writeVarUint(e, SYNC_STEP_1)
    encoding.writeVarUint8Array(e, stateVector)
  })

export const encodeSyncStep2 = (update: Uint8Array): Uint8Array =>
  message(MESSAGE_SYNC, (e) => {
    encoding.writeVarUint(e, SYNC_STEP_2)
    encoding.writeVarUint8Array(e, update)
  })

export const encodeUpdate = (update: Uint8Array): Uint8Array =>
  message(MESSAGE_SYNC, (e) => {
    encoding.writeVarUint(e, SYNC_UPDATE)
    encoding.writeVarUint8Array(e, update)
  })

export const encodeAwareness = (update: Uint8Array): Uint8Array =>
  message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update))

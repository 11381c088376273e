/**
 * The messages instances exchange through Redis, as pure functions. Each is
 * [varUint version][varUint kind][varString sender instance id] followed,
 * for `update` and `awareness`, by a varUint8Array payload, and for
 * `deleted` by a varUint generation, and for `author` by a varUint
 * (1: verified, with a varString user id next; 0: not) and a varString name. Room messages travel on the room's
 * channel; `heartbeat` and `goodbye` on one channel shared by all instances.
 * A kind added later is ignored (as malformed) by instances that predate it.
 */
import * as encoding from 'lib0/encoding'
import { FrameReader, MalformedFrame } from '../protocol/reader.js'
import type { VersionAuthor } from '../storage/versions.js'

export const BUS_PROTOCOL_VERSION = 1

// As long as a token's display name may be.
const MAX_AUTHOR_NAME_LENGTH = 256

/** A Yjs update the sender has stored. */
export const BUS_UPDATE = 0
/** An awareness update of the sender's clients. */
export const BUS_AWARENESS = 1
/** "I have just joined this room (or am back after an outage): send me your clients' awareness." */
export const BUS_HELLO = 2
/** "Some updates I stored may not have reached you: read this room from storage." */
export const BUS_CATCH_UP = 3
/** "I am alive"; sent at a fixed interval. */
export const BUS_HEARTBEAT = 4
/** "I am shutting down": my clients' awareness can go now. */
export const BUS_GOODBYE = 5
/** "I deleted this room; it is at `generation` now": a copy of an older generation is of a deleted document. */
export const BUS_DELETED = 6
/** "A client of mine has unversioned changes in this room": whichever instance records the version names them. */
export const BUS_AUTHOR = 7
/** "I recorded a version of this room": a version of the changes up to now is no longer due here. */
export const BUS_VERSIONED = 8

export type BusMessage =
  | { kind: 'update'; sender: string; payload: Uint8Array }
  | { kind: 'awareness'; sender: string; payload: Uint8Array }
  | { kind: 'hello'; sender: string }
  | { kind: 'catch-up'; sender: string }
  | { kind: 'heartbeat'; sender: string }
  | { kind: 'goodbye'; sender: string }
  | { kind: 'deleted'; sender: string; generation: number }
  | { kind: 'author'; sender: string; author: VersionAuthor }
  | { kind: 'versioned'; sender: string }

const KIND_CODES = {
  update: BUS_UPDATE, awareness: BUS_AWARENESS, hello: BUS_HELLO,
  'catch-up': BUS_CATCH_UP, heartbeat: BUS_HEARTBEAT, goodbye: BUS_GOODBYE, deleted: BUS_DELETED, author: BUS_AUTHOR,
  versioned: BUS_VERSIONED,
} as const

const KINDS_BY_CODE = new Map(Object.entries(KIND_CODES).map(([kind, code]) => [code as number, kind as BusMessage['kind']]))

export function encodeBusMessage(message: BusMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, BUS_PROTOCOL_VERSION)
  encoding.writeVarUint(encoder, KIND_CODES[message.kind])
  encoding.writeVarString(encoder, message.sender)
  if (message.kind === 'update' || message.kind === 'awareness') encoding.writeVarUint8Array(encoder, message.payload)
  if (message.kind === 'deleted') encoding.writeVarUint(encoder, message.generation)
  if (message.kind === 'author') {
    const { author } = message
    const isVerified = author.verified && author.id !== null
    encoding.writeVarUint(encoder, isVerified ? 1 : 0)
    if (isVerified) encoding.writeVarString(encoder, author.id!)
    encoding.writeVarString(encoder, author.name)
  }
  return encoding.toUint8Array(encoder)
}

/** A message on a bus channel that is not one of ours, or not of this version. */
export class MalformedBusMessage extends Error {}

export function decodeBusMessage(bytes: Uint8Array): BusMessage {
  const reader = new FrameReader(bytes)
  try {
    const version = reader.varUint()
    if (version !== BUS_PROTOCOL_VERSION) {
      throw new MalformedBusMessage(`bus protocol version ${version}, expected ${BUS_PROTOCOL_VERSION} (instances of different Ortak versions share this Redis prefix?)`)
    }
    const code = reader.varUint()
    const kind = KINDS_BY_CODE.get(code)
    if (kind === undefined) throw new MalformedBusMessage(`unknown bus message kind ${code}`)
    const sender = reader.varString()
    if (sender === '') throw new MalformedBusMessage('bus message has no sender')
    if (kind === 'update' || kind === 'awareness') {
      const payload = reader.varBytes()
      reader.expectEnd(`${kind} payload`)
      return { kind, sender, payload }
    }
    if (kind === 'deleted') {
      const generation = reader.varUint()
      reader.expectEnd('deleted message')
      return { kind, sender, generation }
    }
    if (kind === 'author') {
      const isVerified = reader.varUint() === 1
      const id = isVerified ? reader.varString() : null
      const name = reader.varString()
      reader.expectEnd('author message')
      if (name === '' || name.length > MAX_AUTHOR_NAME_LENGTH) throw new MalformedBusMessage('author message has no name, or one too long')
      return { kind, sender, author: { id, name, verified: isVerified } }
    }
    reader.expectEnd(`${kind} message`)
    return { kind, sender }
  } catch (error) {
    if (error instanceof MalformedFrame) throw new MalformedBusMessage(`bus message could not be decoded: ${error.message}`)
    throw error
  }
}

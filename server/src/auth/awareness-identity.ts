/**
 * Stamps the token's user onto a connection's awareness states, so the
 * name on a cursor is the one the app's login vouched for, not whatever
 * the client wrote. The client keeps the rest of its state (cursor,
 * selection) and its colours when they are plain hex colours: y-prosemirror
 * writes `user.color` and `user.colorLight` into a `style` attribute, so
 * anything else could carry CSS into other users' pages.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { UserIdentity } from './access-token.js'

const HEX_COLOR = /^#[0-9a-fA-F]{3,8}$/

/** Rewrites an already validated awareness update (y-protocols format) with `user` stamped on every state. */
export function stampIdentity(update: Uint8Array, user: UserIdentity): Uint8Array {
  const decoder = decoding.createDecoder(update)
  const encoder = encoding.createEncoder()
  const entries = decoding.readVarUint(decoder)
  encoding.writeVarUint(encoder, entries)
  for (let i = 0; i < entries; i++) {
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)) // client id
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)) // clock
    const state: unknown = JSON.parse(decoding.readVarString(decoder))
    // null is the client leaving: kept as it is.
    encoding.writeVarString(encoder, JSON.stringify(state === null ? null : stampState(state, user)))
  }
  return encoding.toUint8Array(encoder)
}

function stampState(state: unknown, user: UserIdentity): Record<string, unknown> {
  const isObject = typeof state === 'object' && state !== null && !Array.isArray(state)
  const fields = isObject ? (state as Record<string, unknown>) : {}
  const claimed = typeof fields.user === 'object' && fields.user !== null ? (fields.user as Record<string, unknown>) : {}
  const stamped: Record<string, unknown> = { id: user.id, name: user.name }
  for (const key of ['color', 'colorLight']) {
    const value = claimed[key]
    if (typeof value === 'string' && HEX_COLOR.test(value)) stamped[key] = value
  }
  return { ...fields, user: stamped }
}

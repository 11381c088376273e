/**
 * Changes another instance accepted, applied to this instance's copy of a
 * room and passed to its local clients. Nothing here publishes: a change
 * that came through the bus never goes back into it.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { decodeClientMessage, encodeAwareness, encodeUpdate } from '../protocol/messages.js'
import type { Room } from '../rooms/room.js'

/** The transaction origin of changes from other instances. */
export const FROM_ANOTHER_INSTANCE = Symbol('another instance')

/**
 * Applies stored updates (from another instance, or read back from storage)
 * and sends local clients only what was new to this room: an update that
 * arrives twice, or a storage read holding mostly known changes, costs the
 * clients nothing. A room still loading takes the changes into its document
 * without sending them; its clients are greeted with everything once loaded.
 */
export function applyRemoteUpdates(room: Room, updates: readonly Uint8Array[]): void {
  const news: Uint8Array[] = []
  const capture = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_ANOTHER_INSTANCE) news.push(update)
  }
  room.doc.on('update', capture)
  try {
    Y.transact(room.doc, () => {
      for (const update of updates) Y.applyUpdate(room.doc, update, FROM_ANOTHER_INSTANCE)
    }, FROM_ANOTHER_INSTANCE)
  } finally {
    room.doc.off('update', capture)
  }
  if (room.isReady) for (const update of news) room.broadcast(encodeUpdate(update))
}

/** Throws a ProtocolError naming the problem if `update` is not a well-formed Yjs v1 update. */
export function checkUpdate(update: Uint8Array): void {
  decodeClientMessage(encodeUpdate(update))
}

/** Throws a ProtocolError naming the problem if `update` is not a well-formed awareness update. */
export function checkAwareness(update: Uint8Array): void {
  decodeClientMessage(encodeAwareness(update))
}

export function applyRemoteAwareness(room: Room, update: Uint8Array): void {
  awarenessProtocol.applyAwarenessUpdate(room.awareness, update, FROM_ANOTHER_INSTANCE)
  if (room.isReady) room.broadcast(encodeAwareness(update))
}

/**
 * Removes the awareness of clients of an instance that is gone, and tells
 * the local clients. A client that has meanwhile reconnected here keeps
 * its state.
 */
export function removeRemoteAwareness(room: Room, clientIds: readonly number[]): void {
  const local = localAwarenessIds(room)
  const gone = clientIds.filter((id) => !local.has(id) && room.awareness.getStates().has(id))
  if (gone.length === 0) return
  awarenessProtocol.removeAwarenessStates(room.awareness, gone, FROM_ANOTHER_INSTANCE)
  if (room.isReady) room.broadcast(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, gone)))
}

/** The awareness of this instance's own clients in the room, or null if none has any. */
export function localAwarenessUpdate(room: Room): Uint8Array | null {
  const ids = [...localAwarenessIds(room)].filter((id) => room.awareness.getStates().has(id))
  return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids) : null
}

function localAwarenessIds(room: Room): Set<number> {
  const ids = new Set<number>()
  for (const connection of room.connections) for (const id of connection.awarenessIds) ids.add(id)
  return ids
}

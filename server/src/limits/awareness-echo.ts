/**
 * Recognises awareness echoes. The stock y-websocket provider sends back
 * every awareness change it hears from the server (its update handler
 * does not look at the origin), so in a room of N clients each cursor
 * move comes back N-1 times. An echo changes nothing in the room: it is
 * neither applied nor relayed (relaying would make every move cost N²
 * frames) nor counted against the sender's rate limit (its rate would
 * grow with the room's activity, not its own).
 */
import type { Awareness } from 'y-protocols/awareness'
import { awarenessEntries } from '../protocol/messages.js'

/** True if applying the (validated) awareness `update` would change nothing: y-protocols' own test, entry by entry. */
export function isAwarenessEcho(awareness: Awareness, update: Uint8Array): boolean {
  for (const { clientId, clock, isRemoval } of awarenessEntries(update)) {
    const known = awareness.meta.get(clientId)?.clock ?? 0
    if (known < clock || (known === clock && isRemoval && awareness.states.has(clientId))) return false
  }
  return true
}

/**
 * How a room reaches the same room hosted by other server instances
 * (scale-out, `server/src/scale/`), and how the registry learns of rooms
 * other instances deleted. A room without a bus is the default single
 * process. The room only tells the bus what it accepted; changes from other
 * instances come back through the bus's own calls into the room and are
 * never published again.
 */
import type { VersionAuthor } from '../storage/versions.js'
import type { Room } from './room.js'

export interface RoomBus {
  /**
   * Called before the room loads from storage. Resolves once anything other
   * instances publish for the room from now on will reach it, so nothing
   * stored between the load and the subscription is missed. Never rejects:
   * without the bus the room still serves its own clients.
   */
  join(room: Room): Promise<void>
  /** The room is being destroyed. */
  leave(room: Room): void
  /** An update of this room is stored (called before it is broadcast locally). */
  publishUpdate(room: Room, update: Uint8Array): void
  /** A local client's awareness changed (or was removed when it left). */
  publishAwareness(room: Room, update: Uint8Array): void
  /** A client here has changes in the room not yet in a version: whichever instance records it names them. */
  publishAuthor(room: Room, author: VersionAuthor): void
  /** This instance recorded a version of the room. */
  publishVersioned(room: Room): void
  /** This instance deleted the room `name` from storage, which is at `generation` from now on. */
  publishDeletion(name: string, generation: number): void
  /**
   * Calls `listener` with a room hosted here when another instance deleted
   * it, or a catch-up from storage finds it was: `generation` is the one it
   * has now. Set once, by the registry, which owns the rooms' lifecycle.
   */
  onDeletedElsewhere(listener: (room: Room, generation: number) => void): void
}

/**
 * The rooms loaded in this process: opening a room on its first
 * connection, unloading it a grace period after its last one leaves, and
 * closing everything at shutdown.
 */
// Resolves after the I/O waiting now has been handled: what follows runs in a turn of its own.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { CLOSE_INTERNAL_ERROR, CLOSE_ROOM_DELETED, CLOSE_SERVICE_RESTART, CLOSE_TRY_AGAIN_LATER, type Refusal } from '@ortak/protocol'
import { admissionRefusal, type AdmissionLimits, type Occupancy } from '../limits/admission.js'
import { RoomDeletedError, type Storage } from '../storage/storage.js'
import type { WriteBatcher } from '../storage/write-batcher.js'
import { Connection, type ConnectionOptions } from './connection.js'
import { Room, type RoomHooks, type RoomOptions } from './room.js'
import type { RoomBus } from './room-bus.js'

export interface RoomRegistryOptions extends RoomOptions, Partial<AdmissionLimits> {
  unloadGraceMs: number
}

const DELETED_REASON = 'room deleted: its document no longer exists'

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  /** Rooms with no connections waiting to be unloaded, in the order they fell idle (least recently used first). */
  private readonly unloadTimers = new Map<Room, NodeJS.Timeout>()
  /** Rooms being flushed and compacted on their way out; they no longer count against the room limit. */
  private readonly unloading = new Set<Room>()
  /** The idle rooms' unloads, one after another (see unloadInTurn). */
  private idleUnloads: Promise<void> = Promise.resolve()
  /** Rooms in use by a caller that is not a connection (the HTTP API), with how many such callers. */
  private readonly borrowed = new Map<Room, number>()
  /** Names of rooms whose storage is being deleted: nobody may load them until it is gone. */
  private readonly deleting = new Set<string>()
  private connectionCount = 0
  /** What every room tells the registry, one object for all of them: each call names its room. */
  private readonly roomHooks: RoomHooks = {
    onEmpty: (room) => this.scheduleUnload(room),
    onStorageFailure: (room, error) => this.dropAfterStorageFailure(room, error),
    onDocumentPoisoned: (room, error) => this.dropPoisoned(room, error),
  }

  constructor(
    private readonly storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: RoomRegistryOptions,
    private readonly log: Logger,
    /** Set when several instances share rooms (scale-out); absent in the single-process default. */
    private readonly bus?: RoomBus,
  ) {
    bus?.onDeletedElsewhere((room, generation) => void this.deletedElsewhere(room, generation))
  }

  get stats() {
    return { rooms: this.rooms.size, connections: this.connectionCount, unloadTimers: this.unloadTimers.size, unloading: this.unloading.size }
  }

  /** Why a new connection to `roomName` cannot be admitted now (a connection or room limit), or null. */
  refusalFor(roomName: string): Refusal | null {
    if (this.deleting.has(roomName)) return { code: CLOSE_TRY_AGAIN_LATER, reason: 'room is being deleted; try again' }
    return admissionRefusal(this.occupancy(roomName), {
      maxConnections: this.options.maxConnections ?? Number.POSITIVE_INFINITY,
      maxConnectionsPerRoom: this.options.maxConnectionsPerRoom ?? Number.POSITIVE_INFINITY,
      maxLoadedRooms: this.options.maxLoadedRooms ?? Number.POSITIVE_INFINITY,
    })
  }

  private occupancy(roomName: string): Occupancy {
    const room = this.rooms.get(roomName)
    return {
      connections: this.connectionCount,
      roomConnections: room?.connections.size ?? 0,
      isRoomLoaded: room !== undefined,
      loadedRooms: this.rooms.size - this.unloading.size,
      idleRooms: this.unloadTimers.size,
    }
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  /** Opens a client's connection to a room, loading the room if it is not in memory. */
  connect(roomName: string, socket: WebSocket, options: ConnectionOptions): { room: Room; connection: Connection } {
    const room = this.open(roomName)
    const connection = new Connection(socket, options, this.log, roomName)
    this.connectionCount++
    room.attach(connection)
    return { room, connection }
  }

  /** The name of the room `socket` is connected to, if any: a search of every connection, for a rare log line. */
  roomNameOf(socket: WebSocket): string | undefined {
    for (const [name, room] of this.rooms) {
      for (const connection of room.connections) if (connection.isOn(socket)) return name
    }
    return undefined
  }

  disconnect(room: Room, connection: Connection): void {
    this.connectionCount--
    connection.socketClosed()
    room.detach(connection)
  }

  /**
   * Runs `work` on the loaded room `name` for a caller that is not a
   * connection (the HTTP API). The room stays loaded until `work` settles,
   * then unloads after the grace period if no client is connected.
   */
  async withRoom<T>(name: string, work: (room: Room) => T | Promise<T>): Promise<T> {
    if (this.deleting.has(name)) throw new RoomBusyError(`room "${name}" is being deleted; try again`)
    // Not a connection, so only the room limit applies: an API call must not load a room a client could not.
    const refusal = admissionRefusal(this.occupancy(name), {
      maxConnections: Number.POSITIVE_INFINITY,
      maxConnectionsPerRoom: Number.POSITIVE_INFINITY,
      maxLoadedRooms: this.options.maxLoadedRooms ?? Number.POSITIVE_INFINITY,
    })
    if (refusal) throw new RoomBusyError(refusal.reason)
    const room = this.open(name)
    this.borrowed.set(room, (this.borrowed.get(room) ?? 0) + 1)
    try {
      await room.ready
      return await work(room)
    } finally {
      const left = this.borrowed.get(room)! - 1
      if (left > 0) this.borrowed.set(room, left)
      else this.borrowed.delete(room)
      if (left === 0 && room.connections.size === 0 && this.rooms.get(name) === room) this.scheduleUnload(room)
    }
  }

  /**
   * Closes the room's connections with 4410 and deletes it from storage,
   * then tells the other instances, which do the same with their copies.
   * Writes already queued for it commit first, so nothing of it is left.
   * Resolves with the number of connections closed here.
   */
  async deleteRoom(name: string): Promise<number> {
    if (this.deleting.has(name)) throw new RoomBusyError(`room "${name}" is already being deleted`)
    this.deleting.add(name)
    try {
      const room = this.rooms.get(name)
      const closed = room?.connections.size ?? 0
      if (room) {
        this.remove(room)
        room.destroy(CLOSE_ROOM_DELETED, DELETED_REASON)
      }
      await this.batcher.drain()
      const generation = await this.storage.delete(name)
      this.bus?.publishDeletion(name, generation)
      this.log.info({ room: name, closedConnections: closed, generation }, 'room deleted')
      return closed
    } finally {
      this.deleting.delete(name)
    }
  }

  private open(name: string): Room {
    const existing = this.rooms.get(name)
    if (existing) {
      this.cancelUnload(existing)
      return existing
    }
    if (this.rooms.size - this.unloading.size >= (this.options.maxLoadedRooms ?? Number.POSITIVE_INFINITY)) this.evictIdleRoom()
    const room = new Room(name, this.storage, this.batcher, this.options, this.roomHooks, this.log, this.bus)
    this.rooms.set(name, room)
    room.ready.catch((error: unknown) => {
      this.log.error({ room: name, err: error }, 'room could not be loaded')
      room.markFailed()
      this.remove(room)
      room.destroy(CLOSE_INTERNAL_ERROR, 'room could not be loaded from storage; try again later')
    })
    return room
  }

  private scheduleUnload(room: Room): void {
    this.cancelUnload(room)
    const timer = setTimeout(() => {
      this.unloadTimers.delete(room)
      this.unloadInTurn(room)
    }, this.options.unloadGraceMs)
    this.unloadTimers.set(room, timer)
  }

  /**
   * Unloads an idle room after the idle rooms before it, in a turn of its
   * own. Rooms left at the same moment (a lesson ending, a benchmark moving
   * on) fall idle together: unloaded at once, their versions and
   * compactions ran in one turn, and the clients of every other room
   * waited for all of it, 93 ms for 20 small rooms (`npm run bench --
   * --only fanout --profile DIR`).
   */
  private unloadInTurn(room: Room): void {
    this.idleUnloads = this.idleUnloads
      .then(() => nextTurn())
      .then(() => this.unload(room))
      .catch((error: unknown) => this.log.error({ room: room.name, err: error }, 'idle room could not be unloaded'))
  }

  /** Makes space under the room limit by unloading the room idle longest now instead of after its grace. */
  private evictIdleRoom(): void {
    const [leastRecentlyUsed] = this.unloadTimers.keys()
    if (!leastRecentlyUsed) return
    this.cancelUnload(leastRecentlyUsed)
    this.log.debug({ room: leastRecentlyUsed.name }, 'unloading idle room early: room limit reached')
    void this.unload(leastRecentlyUsed)
  }

  private cancelUnload(room: Room): void {
    const timer = this.unloadTimers.get(room)
    if (timer) {
      clearTimeout(timer)
      this.unloadTimers.delete(room)
    }
  }

  /**
   * Stores what is pending, compacts the log into a snapshot, and frees the
   * room. The version and the compaction each take a turn of their own, so
   * that the other rooms' updates are served between them.
   */
  async unload(room: Room): Promise<void> {
    if (room.connections.size > 0 || this.borrowed.has(room) || this.rooms.get(room.name) !== room) return
    this.unloading.add(room)
    try {
      await this.batcher.drain()
      // Changes made since the last version get one before the room goes.
      await room.history?.flush()
      await nextTurn()
      if (room.isReady) await room.compact()
    } finally {
      this.unloading.delete(room)
    }
    // A client may have arrived while the log was being compacted.
    if (room.connections.size > 0 || this.borrowed.has(room) || this.rooms.get(room.name) !== room) return
    this.remove(room)
    room.destroy(CLOSE_INTERNAL_ERROR, 'room unloaded')
    this.log.debug({ room: room.name }, 'room unloaded')
  }

  private remove(room: Room): void {
    this.cancelUnload(room)
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name)
  }

  /** The room's document no longer equals what is stored: dropped, so its clients reconnect and load it from storage. */
  private dropPoisoned(room: Room, error: Error): void {
    if (this.rooms.get(room.name) !== room) return
    this.log.error({ room: room.name, err: error }, 'a refused update changed the document in memory: reloading the room from storage')
    this.remove(room)
    // Its writes still queued were applied to that document but neither acknowledged nor broadcast: stored after
    // the room loads again, they would be in storage and not in the room. Their senders send them again.
    this.batcher.discard(room.name, error)
    room.destroy(CLOSE_SERVICE_RESTART, 'room reloaded from storage after a refused update; reconnect')
  }

  private dropAfterStorageFailure(room: Room, error: Error): void {
    if (this.rooms.get(room.name) !== room) return
    if (error instanceof RoomDeletedError) return this.dropDeleted(room, error)
    this.log.error({ room: room.name, err: error }, 'storage failed: dropping the room so nothing unstored is served')
    this.remove(room)
    // Updates queued after the one that failed may depend on it: none of them may be stored.
    this.batcher.discard(room.name, error)
    room.closeAllForStorageFailure()
  }

  /**
   * Another instance deleted the room. A copy here of an older generation is
   * of a document that no longer exists; a copy that loaded after the
   * deletion is of the room created anew, and stays.
   */
  private async deletedElsewhere(room: Room, generation: number): Promise<void> {
    // A room still loading may read storage before the deletion or after it.
    await room.ready.catch(() => {})
    if (this.rooms.get(room.name) !== room || room.generation >= generation) return
    this.dropDeleted(room, new RoomDeletedError(new Map([[room.name, generation]])))
  }

  /** Drops a copy of a deleted room without storing or compacting anything of it. */
  private dropDeleted(room: Room, error: RoomDeletedError): void {
    this.log.info({ room: room.name, generation: room.generation }, 'room was deleted elsewhere: dropping its copy unstored')
    this.remove(room)
    this.batcher.discard(room.name, error)
    // Not 1011: the provider would reconnect and send its whole copy into the room created anew.
    room.destroy(CLOSE_ROOM_DELETED, DELETED_REASON)
  }

  /**
   * Compacts every loaded room's log into its snapshot, as unloading does:
   * the server does this before it stops, so after a restart a room loads
   * one snapshot instead of replaying up to `compactAfterUpdates` updates.
   */
  async compactAll(): Promise<void> {
    await this.batcher.drain()
    for (const room of [...this.rooms.values()]) {
      await room.history?.flush()
      if (room.isReady) await room.compact()
    }
  }

  /** Shutdown: flush pending writes, then close every connection with `code` so clients reconnect. */
  async closeAll(code: number, reason: string): Promise<void> {
    await this.batcher.drain()
    for (const room of [...this.rooms.values()]) {
      this.remove(room)
      room.destroy(code, reason)
    }
  }
}

/** The room cannot be used this moment (it is being deleted, or the room limit is reached with none idle); trying again shortly will work. */
export class RoomBusyError extends Error {}

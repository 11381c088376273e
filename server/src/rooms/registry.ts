/**
 * The rooms loaded in this process: opening a room on its first
 * connection, unloading it a grace period after its last one leaves, and
 * closing everything at shutdown.
 */
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { CLOSE_INTERNAL_ERROR } from '../protocol/messages.js'
import type { Storage } from '../storage/storage.js'
import type { WriteBatcher } from '../storage/write-batcher.js'
import { Connection, type ConnectionOptions } from './connection.js'
import { Room, type RoomOptions } from './room.js'

export interface RoomRegistryOptions extends RoomOptions {
  unloadGraceMs: number
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly unloadTimers = new Map<Room, NodeJS.Timeout>()
  private connectionCount = 0

  constructor(
    private readonly storage: Storage,
    private readonly batcher: WriteBatcher,
    private readonly options: RoomRegistryOptions,
    private readonly log: Logger,
  ) {}

  get stats() {
    return { rooms: this.rooms.size, connections: this.connectionCount, unloadTimers: this.unloadTimers.size }
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  /** Opens a client's connection to a room, loading the room if it is not in memory. */
  connect(roomName: string, socket: WebSocket, options: ConnectionOptions): { room: Room; connection: Connection } {
    const room = this.open(roomName)
    const connection = new Connection(socket, options)
    this.connectionCount++
    room.attach(connection)
    return { room, connection }
  }

  disconnect(room: Room, connection: Connection): void {
    this.connectionCount--
    connection.isClosed = true
    room.detach(connection)
  }

  private open(name: string): Room {
    const existing = this.rooms.get(name)
    if (existing) {
      this.cancelUnload(existing)
      return existing
    }
    const room = new Room(name, this.storage, this.batcher, this.options, {
      onEmpty: (r) => this.scheduleUnload(r),
      onStorageFailure: (r, error) => this.dropAfterStorageFailure(r, error),
    }, this.log)
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
      void this.unload(room)
    }, this.options.unloadGraceMs)
    this.unloadTimers.set(room, timer)
  }

  private cancelUnload(room: Room): void {
    const timer = this.unloadTimers.get(room)
    if (timer) {
      clearTimeout(timer)
      this.unloadTimers.delete(room)
    }
  }

  /** Stores what is pending, compacts the log into a snapshot, and frees the room. */
  async unload(room: Room): Promise<void> {
    if (room.connections.size > 0 || this.rooms.get(room.name) !== room) return
    await this.batcher.drain()
    if (room.isReady) await room.compact()
    // A client may have arrived while the log was being compacted.
    if (room.connections.size > 0 || this.rooms.get(room.name) !== room) return
    this.remove(room)
    room.destroy(CLOSE_INTERNAL_ERROR, 'room unloaded')
    this.log.debug({ room: room.name }, 'room unloaded')
  }

  private remove(room: Room): void {
    this.cancelUnload(room)
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name)
  }

  private dropAfterStorageFailure(room: Room, error: Error): void {
    if (this.rooms.get(room.name) !== room) return
    this.log.error({ room: room.name, err: error }, 'storage failed: dropping the room so nothing unstored is served')
    this.remove(room)
    room.closeAllForStorageFailure()
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

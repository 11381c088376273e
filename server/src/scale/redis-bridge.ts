/**
 * The bridge between Ortak instances that host the same rooms: every
 * update an instance stores and every awareness change of its clients is
 * published on the room's Redis channel, and what other instances publish
 * is applied to the local copy of the room and passed to its clients.
 *
 * Redis only carries news; PostgreSQL holds the truth. Whenever something
 * may have been missed (a room just subscribed, a Redis outage, a publish
 * that failed, an instance that vanished), the room catches up by reading
 * itself back from storage and applying only what it lacks (a state-vector
 * resync against storage, which has every update any client has seen).
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Redis, RedisOptions } from 'ioredis'
import { redactedUrl, type Logger } from '../log.js'
import { awarenessEntries, checkAwarenessUpdate, checkDocumentUpdate } from '../protocol/messages.js'
import type { Room } from '../rooms/room.js'
import type { RoomBus } from '../rooms/room-bus.js'
import type { Storage } from '../storage/storage.js'
import type { VersionAuthor } from '../storage/versions.js'
import { decodeBusMessage, encodeBusMessage, MalformedBusMessage, type BusMessage } from './bus-messages.js'
import { PeerTracker } from './peer-tracker.js'

export interface RedisBridgeOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string
  /** Prefix of every channel, so several deployments can share one Redis. */
  prefix: string
  /** Where rooms catch up from when Redis may have dropped something. */
  storage: Storage
  log: Logger
  /** An instance not heard from for this long is taken as gone, and its clients' awareness with it. */
  peerTimeoutMs: number
}

// Omit distributed over the union, so each kind keeps its own fields; the sender is always this instance.
type Unsent<M> = M extends BusMessage ? Omit<M, 'sender'> : never
type OutgoingMessage = Unsent<BusMessage>

/** ioredis, read when the first bridge is made: a server without REDIS_URL never loads it. */
const redisClient = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis

export class RedisBridge implements RoomBus {
  readonly instanceId = randomBytes(8).toString('hex')
  private readonly publisher: Redis
  private readonly subscriber: Redis
  private readonly rooms = new Map<string, Room>()
  /** Per room: which instance last announced each remote awareness client id. */
  private readonly remoteAwarenessOwners = new Map<string, Map<number, string>>()
  private readonly peers: PeerTracker
  private readonly catchUps = new Map<string, { isRequestedAgain: boolean; done: Promise<void> }>()
  private readonly timer: NodeJS.Timeout
  private readonly log: Logger
  private deletedElsewhere: (room: Room, generation: number) => void = () => {}
  /** Something may have been published that others missed, or published to us while we were not listening. */
  private needsResync = true
  private isResyncing = false
  /** Last reachability logged, so an outage logs one line however often the client retries. */
  private reachability: 'unknown' | 'up' | 'down' = 'unknown'
  private isClosed = false

  constructor(private readonly options: RedisBridgeOptions) {
    this.log = options.log.child({ instance: this.instanceId })
    this.peers = new PeerTracker(options.peerTimeoutMs)
    const redisOptions: RedisOptions = {
      // While Redis is unreachable a publish fails at once instead of queueing: the resync
      // after the outage delivers what it carried, and clients are never held up.
      enableOfflineQueue: false,
      // Subscriptions are restored by `resync`, which knows to catch up afterwards.
      autoResubscribe: false,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    }
    const RedisClient = redisClient()
    this.publisher = new RedisClient(options.url, { ...redisOptions, connectionName: `ortak-${this.instanceId}-pub` })
    this.subscriber = new RedisClient(options.url, { ...redisOptions, connectionName: `ortak-${this.instanceId}-sub` })
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('ready', () => this.connectionReady())
      connection.on('close', () => this.connectionLost())
      connection.on('error', (error: Error) => this.connectionLost(error))
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel.toString(), message))
    // Heartbeats, expiry of silent instances and retries of a failed resync share one clock.
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(options.peerTimeoutMs / 4)))
  }

  get isConnected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready'
  }

  get stats() {
    return { instance: this.instanceId, connected: this.isConnected, rooms: this.rooms.size, peers: this.peers.alive.length }
  }

  /** Resolves if both Redis connections are up and Redis answers; for health checks. */
  async ping(): Promise<void> {
    if (this.subscriber.status !== 'ready') throw new Error(`subscriber connection is ${this.subscriber.status}`)
    await this.publisher.ping()
  }

  async join(room: Room): Promise<void> {
    this.rooms.set(room.name, room)
    if (!this.isConnected) {
      this.needsResync = true
      return
    }
    try {
      await this.subscriber.subscribe(this.roomChannel(room.name))
    } catch (error) {
      this.log.warn({ room: room.name, err: error }, 'could not subscribe to the room on Redis; serving local clients, will resync')
      this.needsResync = true
      return
    }
    if (this.rooms.get(room.name) === room) this.publish(room.name, { kind: 'hello' })
  }

  leave(room: Room): void {
    if (this.rooms.get(room.name) !== room) return
    this.rooms.delete(room.name)
    this.remoteAwarenessOwners.delete(room.name)
    if (this.subscriber.status !== 'ready') return
    this.subscriber.unsubscribe(this.roomChannel(room.name)).catch((error: unknown) => {
      // Harmless: messages for a room not hosted here are ignored, and a reconnect subscribes hosted rooms only.
      this.log.debug({ room: room.name, err: error }, 'could not unsubscribe from the room on Redis')
    })
  }

  publishUpdate(room: Room, update: Uint8Array): void {
    this.publish(room.name, { kind: 'update', payload: update })
  }

  publishAwareness(room: Room, update: Uint8Array): void {
    this.publish(room.name, { kind: 'awareness', payload: update })
  }

  publishAuthor(room: Room, author: VersionAuthor): void {
    this.publish(room.name, { kind: 'author', author })
  }

  publishVersioned(room: Room): void {
    this.publish(room.name, { kind: 'versioned' })
  }

  publishDeletion(name: string, generation: number): void {
    // Should this be lost, the others still cannot store the deleted document (storage refuses their
    // writes), and a catch-up from storage (after an outage, or when this instance falls silent) drops it.
    this.publish(name, { kind: 'deleted', generation })
  }

  onDeletedElsewhere(listener: (room: Room, generation: number) => void): void {
    this.deletedElsewhere = listener
  }

  /** Says goodbye (so others drop this instance's awareness at once) and closes both connections. */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    clearInterval(this.timer)
    if (this.publisher.status === 'ready') {
      await this.publisher.publish(this.instancesChannel, this.encode({ kind: 'goodbye' })).catch((error: unknown) =>
        this.log.warn({ err: error }, 'could not say goodbye on Redis; other instances drop our clients after the peer timeout'))
    }
    // A catch-up still reading storage must finish before the storage closes.
    await Promise.all([...this.catchUps.values()].map((c) => c.done))
    this.publisher.disconnect()
    this.subscriber.disconnect()
  }

  private get instancesChannel(): string {
    return `${this.options.prefix}instances`
  }

  private get roomChannelPrefix(): string {
    return `${this.options.prefix}room:`
  }

  private roomChannel(name: string): string {
    return this.roomChannelPrefix + name
  }

  private encode(message: OutgoingMessage): Buffer {
    const bytes = encodeBusMessage({ ...message, sender: this.instanceId } as BusMessage)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private publish(roomName: string | null, message: OutgoingMessage): void {
    if (this.isClosed) return
    const channel = roomName === null ? this.instancesChannel : this.roomChannel(roomName)
    if (this.publisher.status !== 'ready') {
      this.needsResync = true
      return
    }
    this.publisher.publish(channel, this.encode(message)).catch((error: unknown) => {
      // The update is stored; the others read it from storage at the resync.
      if (!this.needsResync) this.log.warn({ channel, err: error }, 'publish to Redis failed; will resync')
      this.needsResync = true
    })
  }

  private connectionReady(): void {
    if (!this.isConnected || this.isClosed) return
    if (this.reachability !== 'up') {
      this.log.info({ redis: redactedUrl(this.options.url) }, 'Redis connected')
      this.peers.heardAllAt(Date.now())
      this.reachability = 'up'
    }
    void this.resync()
  }

  private connectionLost(error?: Error): void {
    if (this.isClosed) return
    this.needsResync = true
    if (this.reachability === 'down') return
    const wasUp = this.reachability === 'up'
    this.reachability = 'down'
    this.log.warn({ redis: redactedUrl(this.options.url), err: error },
      wasUp ? 'Redis connection lost: serving local clients only until it is back' : 'Redis unreachable: serving local clients only until it answers')
  }

  /**
   * After (re)connecting: subscribe every hosted room, catch each up from
   * storage, and tell the others to do the same and to send their clients'
   * awareness. Subscribing comes first, so nothing published during the
   * catch-up is missed.
   */
  private async resync(): Promise<void> {
    if (this.isResyncing || this.isClosed || !this.isConnected) return
    this.isResyncing = true
    this.needsResync = false
    try {
      const rooms = [...this.rooms.values()]
      await this.subscriber.subscribe(this.instancesChannel, ...rooms.map((room) => this.roomChannel(room.name)))
      this.publish(null, { kind: 'heartbeat' })
      for (const room of rooms) {
        if (this.rooms.get(room.name) !== room) continue
        this.publish(room.name, { kind: 'hello' })
        this.publish(room.name, { kind: 'catch-up' })
        const awareness = room.presence.localUpdate()
        if (awareness) this.publish(room.name, { kind: 'awareness', payload: awareness })
        this.catchUp(room)
      }
      this.log.debug({ rooms: rooms.length }, 'resynced with Redis')
    } catch (error) {
      this.needsResync = true
      this.log.warn({ err: error }, 'resync with Redis failed; retrying')
    } finally {
      this.isResyncing = false
    }
  }

  private tick(): void {
    this.publish(null, { kind: 'heartbeat' })
    // Cut off from Redis, we cannot tell a dead instance from a live one; their clients' awareness stays
    // until we hear again, because a state removed here could not come back before its next change.
    if (this.isConnected) for (const peer of this.peers.expire(Date.now())) this.peerGone(peer, false)
    if (this.needsResync && this.isConnected) void this.resync()
  }

  private receive(channel: string, bytes: Uint8Array): void {
    try {
      this.dispatch(channel, decodeBusMessage(bytes))
    } catch (error) {
      // Whatever arrives on a channel, it must not take the process (and every other room) down.
      if (error instanceof MalformedBusMessage) this.log.warn({ channel, reason: error.message }, 'ignored a malformed message from Redis')
      else this.log.error({ channel, err: error }, 'failed to handle a message from Redis')
    }
  }

  private dispatch(channel: string, message: BusMessage): void {
    if (message.sender === this.instanceId) return
    if (message.kind === 'goodbye') return this.peerGone(message.sender, true)
    if (this.peers.heard(message.sender, Date.now())) this.log.info({ peer: message.sender }, 'another instance is sharing rooms')
    if (channel === this.instancesChannel) return
    if (!channel.startsWith(this.roomChannelPrefix)) return
    const room = this.rooms.get(channel.slice(this.roomChannelPrefix.length))
    if (!room) return
    switch (message.kind) {
      case 'update':
        return this.receiveUpdate(room, message.sender, message.payload)
      case 'awareness':
        return this.receiveAwareness(room, message.sender, message.payload)
      case 'hello': {
        const awareness = room.presence.localUpdate()
        if (awareness) this.publish(room.name, { kind: 'awareness', payload: awareness })
        return
      }
      case 'catch-up':
        return this.catchUp(room)
      case 'deleted':
        return this.deletedElsewhere(room, message.generation)
      case 'author':
        return room.history?.authorElsewhere(message.author)
      case 'versioned':
        return room.history?.versionedElsewhere()
    }
  }

  private receiveUpdate(room: Room, sender: string, update: Uint8Array): void {
    try {
      checkDocumentUpdate(update, room.held)
      room.applyFromOtherInstances([update])
    } catch (error) {
      this.log.warn({ room: room.name, peer: sender, reason: (error as Error).message }, 'ignored an update from Redis that could not be applied')
    }
  }

  private receiveAwareness(room: Room, sender: string, update: Uint8Array): void {
    try {
      checkAwarenessUpdate(update)
      room.presence.applyRemote(update)
    } catch (error) {
      this.log.warn({ room: room.name, peer: sender, reason: (error as Error).message }, 'ignored an awareness update from Redis that could not be applied')
      return
    }
    let owners = this.remoteAwarenessOwners.get(room.name)
    if (!owners) this.remoteAwarenessOwners.set(room.name, owners = new Map())
    for (const entry of awarenessEntries(update)) {
      if (entry.isRemoval) owners.delete(entry.clientId)
      else owners.set(entry.clientId, sender)
    }
  }

  /**
   * An instance left (goodbye) or fell silent (crash, partition): its
   * clients' awareness goes. A silent one may also have stored updates it
   * never got to publish, so every hosted room catches up from storage.
   */
  private peerGone(peer: string, saidGoodbye: boolean): void {
    this.peers.forget(peer)
    let removed = 0
    for (const [name, owners] of this.remoteAwarenessOwners) {
      const ids = [...owners].filter(([, owner]) => owner === peer).map(([id]) => id)
      for (const id of ids) owners.delete(id)
      const room = this.rooms.get(name)
      if (room && ids.length > 0) room.presence.removeRemote(ids)
      removed += ids.length
    }
    this.log.info({ peer, awarenessRemoved: removed, saidGoodbye }, saidGoodbye ? 'another instance shut down' : 'another instance went silent')
    if (!saidGoodbye) for (const room of this.rooms.values()) this.catchUp(room)
  }

  /** Reads the room back from storage and applies what this copy lacks; repeated requests coalesce. */
  private catchUp(room: Room): void {
    const running = this.catchUps.get(room.name)
    if (running) {
      running.isRequestedAgain = true
      return
    }
    const isCurrent = () => !this.isClosed && this.rooms.get(room.name) === room
    const state = { isRequestedAgain: false, done: Promise.resolve() }
    state.done = (async () => {
      try {
        // A room still loading subscribed before it read storage: its load already includes everything.
        await room.ready
        do {
          state.isRequestedAgain = false
          if (!isCurrent()) return
          const stored = await this.options.storage.load(room.name)
          if (!isCurrent()) return
          // Deleted since this copy loaded: what storage holds now is another document, the room created anew.
          if (stored.generation > room.generation) return this.deletedElsewhere(room, stored.generation)
          room.applyFromOtherInstances(stored.updates)
        } while (state.isRequestedAgain)
      } catch (error) {
        if (!isCurrent()) return
        this.log.warn({ room: room.name, err: error }, 'could not catch up the room from storage; retrying')
        this.needsResync = true
      } finally {
        this.catchUps.delete(room.name)
      }
    })()
    this.catchUps.set(room.name, state)
  }
}

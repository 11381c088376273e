/**
 * The stock provider of each server, behind one small interface for the
 * drivers that use one: y-websocket's `WebsocketProvider` for Ortak and the
 * reference, `@hocuspocus/provider` for Hocuspocus (its own protocol, see
 * bench/lib/wire.ts). Both run on `ws` in Node, or on a subclass of it that
 * a driver gives to note frames as they arrive.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'
import type { Wire } from './wire.js'

export interface RoomProvider {
  readonly isSynced: boolean
  /** The transaction origin the provider applies the server's updates with. */
  readonly origin: unknown
  /** Called on every sync with the server, the first and each after a reconnection; returns the unsubscribe. */
  onSynced(callback: () => void): () => void
  /** Called each time the connection to the server is lost; returns the unsubscribe. */
  onDisconnected(callback: () => void): () => void
  destroy(): void
}

export interface ProviderOptions {
  /** The server's provider URL (ServerHandle.providerUrl). */
  url: string
  room: string
  doc: Y.Doc
  /** A `ws` WebSocket class (the default) or a subclass of it. */
  WebSocketClass?: new (url: string, protocols?: string | string[]) => WebSocket
  /** The cap on the delay between reconnection attempts (y-websocket's maxBackoffTime; its default if absent). */
  maxBackoffMs?: number
}

/** y-websocket's first reconnection delay, which it doubles up to maxBackoffTime; Hocuspocus's provider is given the same schedule. */
const FIRST_RECONNECT_MS = 100

export function connectProvider(wire: Wire, options: ProviderOptions): RoomProvider {
  const WebSocketPolyfill = (options.WebSocketClass ?? WebSocket) as unknown as typeof globalThis.WebSocket
  if (wire === 'y-websocket') {
    const provider = new WebsocketProvider(options.url, options.room, options.doc, {
      WebSocketPolyfill, disableBc: true, ...(options.maxBackoffMs === undefined ? {} : { maxBackoffTime: options.maxBackoffMs }),
    })
    return {
      get isSynced() { return provider.synced },
      origin: provider,
      onSynced: (callback) => {
        const listener = (isSynced: boolean) => { if (isSynced) callback() }
        provider.on('sync', listener)
        return () => provider.off('sync', listener)
      },
      onDisconnected: (callback) => {
        const listener = ({ status }: { status: string }) => { if (status === 'disconnected') callback() }
        provider.on('status', listener)
        return () => provider.off('status', listener)
      },
      destroy: () => provider.destroy(),
    }
  }
  const backoff = options.maxBackoffMs === undefined
    ? {}
    : { delay: Math.min(FIRST_RECONNECT_MS, options.maxBackoffMs), minDelay: Math.min(FIRST_RECONNECT_MS, options.maxBackoffMs), maxDelay: options.maxBackoffMs }
  const socket = new HocuspocusProviderWebsocket({ url: options.url, WebSocketPolyfill, ...backoff })
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: options.room, document: options.doc })
  // A provider given its socket is not attached to it until told.
  provider.attach()
  return {
    get isSynced() { return provider.isSynced },
    origin: provider,
    onSynced: (callback) => {
      const listener = ({ state }: { state: boolean }) => { if (state) callback() }
      provider.on('synced', listener)
      return () => provider.off('synced', listener)
    },
    onDisconnected: (callback) => {
      const listener = () => callback()
      socket.on('disconnect', listener)
      return () => socket.off('disconnect', listener)
    },
    destroy: () => {
      provider.destroy()
      socket.destroy()
    },
  }
}

/** Resolves once the provider has synced with the server. */
export const whenSynced = (provider: RoomProvider) => new Promise<void>((resolve) => {
  if (provider.isSynced) return resolve()
  const off = provider.onSynced(() => {
    off()
    resolve()
  })
})

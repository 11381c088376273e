/**
 * Restart clients: stock y-websocket providers, a few in each room, each
 * room holding a little text, staying connected while the orchestrator
 * kills the server and starts it again. After "arm", the driver reports
 * "synced" once every provider has lost its connection and synced again
 * with the new process.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'

interface Options {
  providerUrl: string
  rooms: number
  clientsPerRoom: number
  editsPerRoom: number
  /** The providers' reconnect delay cap; small, so the figure is the server's start, not the clients' backoff. */
  maxBackoffMs: number
}

const options = driverOptions<Options>()

const whenSynced = (provider: WebsocketProvider) => new Promise<void>((resolve) => {
  if (provider.synced) return resolve()
  const onSync = (isSynced: boolean) => {
    if (!isSynced) return
    provider.off('sync', onSync)
    resolve()
  }
  provider.on('sync', onSync)
})

const providers: WebsocketProvider[] = []
for (let room = 0; room < options.rooms; room++) {
  for (let client = 0; client < options.clientsPerRoom; client++) {
    providers.push(new WebsocketProvider(options.providerUrl, `restart-${room}`, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true, maxBackoffTime: options.maxBackoffMs,
    }))
  }
}
await Promise.all(providers.map(whenSynced))
// The first client of each room types its text; the room is ready once every client of it holds the text.
for (let room = 0; room < options.rooms; room++) {
  const text = providers[room * options.clientsPerRoom]!.doc.getText('t')
  for (let i = 0; i < options.editsPerRoom; i++) text.insert(text.length, `edit ${i}; `)
}
const expected = providers[0]!.doc.getText('t').length
while (providers.some((p) => p.doc.getText('t').length !== expected)) await new Promise((r) => setTimeout(r, 20))
report('ready')

onCommand('arm', () => {
  let waiting = providers.length
  for (const provider of providers) {
    let isDisconnected = false
    const onStatus = ({ status }: { status: string }) => {
      if (status === 'disconnected') isDisconnected = true
    }
    const onSync = (isSynced: boolean) => {
      if (!isSynced || !isDisconnected) return
      provider.off('status', onStatus)
      provider.off('sync', onSync)
      if (--waiting === 0) report('synced')
    }
    provider.on('status', onStatus)
    provider.on('sync', onSync)
  }
  report('armed')
})

/**
 * Restart clients: stock providers (the server's own), a few in each room, each
 * room holding a little text, staying connected while the orchestrator
 * kills the server and starts it again. After "arm", the driver reports
 * "synced" once every provider has lost its connection and synced again
 * with the new process.
 */
import * as Y from 'yjs'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { type RoomProvider, connectProvider, whenSynced } from '../lib/providers.js'
import type { Wire } from '../lib/wire.js'

interface Options {
  wire: Wire
  providerUrl: string
  rooms: number
  clientsPerRoom: number
  editsPerRoom: number
  /** The providers' reconnect delay cap; small, so the figure is the server's start, not the clients' backoff. */
  maxBackoffMs: number
}

const options = driverOptions<Options>()

const docs: Y.Doc[] = []
const providers: RoomProvider[] = []
for (let room = 0; room < options.rooms; room++) {
  for (let client = 0; client < options.clientsPerRoom; client++) {
    const doc = new Y.Doc()
    docs.push(doc)
    providers.push(connectProvider(options.wire, { url: options.providerUrl, room: `restart-${room}`, doc, maxBackoffMs: options.maxBackoffMs }))
  }
}
await Promise.all(providers.map(whenSynced))
// The first client of each room types its text; the room is ready once every client of it holds the text.
for (let room = 0; room < options.rooms; room++) {
  const text = docs[room * options.clientsPerRoom]!.getText('t')
  for (let i = 0; i < options.editsPerRoom; i++) text.insert(text.length, `edit ${i}; `)
}
const expected = docs[0]!.getText('t').length
while (docs.some((doc) => doc.getText('t').length !== expected)) await new Promise((r) => setTimeout(r, 20))
report('ready')

onCommand('arm', () => {
  let waiting = providers.length
  for (const provider of providers) {
    let isDisconnected = false
    const offDisconnected = provider.onDisconnected(() => { isDisconnected = true })
    const offSynced = provider.onSynced(() => {
      if (!isDisconnected) return
      offDisconnected()
      offSynced()
      if (--waiting === 0) report('synced')
    })
  }
  report('armed')
})

/**
 * Some Yjs clients (those built on Yrs, the Rust implementation) send back
 * every remote update they apply, byte for byte, and their whole document
 * when they join. Such updates change nothing: the room acknowledges them
 * as stored, and neither stores nor relays them.
 */
import { describe, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_STORED, MESSAGE_SYNC, SYNC_UPDATE } from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

/** The updates carried by the update messages among `messages`. */
function updatesIn(messages: Uint8Array[]): Uint8Array[] {
  return messages.flatMap((message) => {
    const decoder = decoding.createDecoder(message)
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC || decoding.readVarUint(decoder) !== SYNC_UPDATE) return []
    return [decoding.readVarUint8Array(decoder)]
  })
}

const lastStoredAck = (messages: Uint8Array[]) => {
  const acks = messages.filter((m) => m[0] === MESSAGE_STORED).map((m) => decoding.readVarUint(decoding.createDecoder(m.subarray(1))))
  return acks.at(-1) ?? 0
}

describe('an update that changes nothing', () => {
  test('is acknowledged, and neither stored nor relayed: echoes and a whole-document join cost the room nothing', async ({ server, connect }) => {
    const room = 'echoes'
    const writer = connect(room)
    await synced(writer)
    const typed: Uint8Array[] = []
    writer.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== writer.provider) typed.push(update)
    })
    const echoer = await rawSocket(server.wsUrl, room, { ack: '1' })
    const listener = await rawSocket(server.wsUrl, room)
    // The echoer sends back, byte for byte, every update it is sent.
    let echoed = 0
    echoer.ws.on('message', (data: Buffer) => {
      const [update] = updatesIn([new Uint8Array(data)])
      if (!update) return
      echoer.ws.send(encodeUpdate(update))
      echoed++
    })

    const text = writer.doc.getText('t')
    for (let i = 0; i < 30; i++) {
      text.insert(text.length, String(i % 10))
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await waitFor('the listener has every edit', () => updatesIn(listener.messages).length >= 30)
    await waitFor('every edit was echoed and acknowledged', () => echoed === 30 && lastStoredAck(echoer.messages) === 30)

    // And, as such a client does when it joins, its whole copy of the document.
    const copy = new Y.Doc()
    for (const update of typed) Y.applyUpdate(copy, update)
    echoer.ws.send(encodeUpdate(Y.encodeStateAsUpdate(copy)))
    await waitFor('the whole copy is acknowledged', () => lastStoredAck(echoer.messages) === 31)

    expect(updatesIn(listener.messages)).toEqual(typed)
    const stored = await server.server.storage.load(room)
    expect(stored.logBytes).toBe(typed.reduce((sum, update) => sum + update.byteLength, 0))
    expect(writer.doc.getText('t').toString()).toBe('012345678901234567890123456789')
  })
})

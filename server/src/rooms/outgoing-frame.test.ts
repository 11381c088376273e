import type { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { OutgoingFrame } from './outgoing-frame.js'

/** The framing and parsing classes of `ws`, which it exports but its type declarations leave out. */
interface WsFraming {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] }
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): void }
}
const { Receiver, Sender } = createRequire(import.meta.url)('ws') as WsFraming

/** The bytes `ws` itself writes for `message` on a server socket. */
function framedByWs(message: Uint8Array): Buffer {
  const data = Buffer.from(message)
  return Buffer.concat(Sender.frame(data, { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }))
}

const bytesOf = (frame: OutgoingFrame) => (frame.payload ? Buffer.concat([frame.head, frame.payload]) : frame.head)

function messageOf(length: number): Uint8Array {
  const message = new Uint8Array(length)
  for (let i = 0; i < length; i++) message[i] = (i * 31 + 7) & 0xff
  return message
}

// Each length of payload field (7 bits, 16 bits, 64 bits) at its edges, and both sides of the joined limit.
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000, 200_000]

describe('an outgoing frame', () => {
  it.each(LENGTHS)('holds the bytes ws writes for a %i-byte message', (length) => {
    const message = messageOf(length)
    expect(bytesOf(OutgoingFrame.of(message)).equals(framedByWs(message))).toBe(true)
  })

  it.each(LENGTHS)('is read back by a client as the %i-byte binary message it carries', async (length) => {
    const message = messageOf(length)
    // A client's receiver: it expects the server's frames unmasked, as the frame writes them.
    const receiver = new Receiver({ isServer: false })
    const received = new Promise<{ data: Buffer; isBinary: boolean }>((resolve, reject) => {
      receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }))
      receiver.on('error', reject)
    })
    receiver.write(bytesOf(OutgoingFrame.of(message)))
    const { data, isBinary } = await received
    expect(isBinary).toBe(true)
    expect(Buffer.compare(data, Buffer.from(message))).toBe(0)
  })

  it('takes a view into a larger buffer as just the view', () => {
    const backing = messageOf(300)
    const view = backing.subarray(100, 250)
    expect(bytesOf(OutgoingFrame.of(view)).equals(framedByWs(view))).toBe(true)
  })
})

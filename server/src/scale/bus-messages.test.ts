import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { BUS_PROTOCOL_VERSION, decodeBusMessage, encodeBusMessage, MalformedBusMessage, type BusMessage } from './bus-messages.js'

const raw = (write: (e: encoding.Encoder) => void) => {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('bus messages', () => {
  it('round-trip every kind', () => {
    const messages: BusMessage[] = [
      { kind: 'update', sender: 'a1', payload: new Uint8Array([1, 2, 3]) },
      { kind: 'awareness', sender: 'a1', payload: new Uint8Array([0]) },
      { kind: 'hello', sender: 'b2' },
      { kind: 'catch-up', sender: 'b2' },
      { kind: 'heartbeat', sender: 'c3' },
      { kind: 'goodbye', sender: 'c3' },
      { kind: 'deleted', sender: 'd4', generation: 3 },
      { kind: 'author', sender: 'e5', author: { id: 'u-ada', name: 'Ada', verified: true } },
      { kind: 'author', sender: 'e5', author: { id: null, name: 'Grace', verified: false } },
      { kind: 'versioned', sender: 'f6' },
    ]
    for (const message of messages) expect(decodeBusMessage(encodeBusMessage(message))).toEqual(message)
  })

  it('start with the protocol version, then the kind and the sender', () => {
    expect([...encodeBusMessage({ kind: 'hello', sender: 'ab' })]).toEqual([BUS_PROTOCOL_VERSION, 2, 2, 97, 98])
  })

  it('carry the generation a deleted room has from now on after the sender', () => {
    expect([...encodeBusMessage({ kind: 'deleted', sender: 'ab', generation: 300 })]).toEqual([BUS_PROTOCOL_VERSION, 6, 2, 97, 98, 0xac, 0x02])
  })

  it('refuse what is not one of ours, naming the problem', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array([]), /unexpected end of frame/],
      [raw((e) => { encoding.writeVarUint(e, 7); encoding.writeVarUint(e, 0) }), /bus protocol version 7, expected 1/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 42); encoding.writeVarString(e, 'x') }), /unknown bus message kind 42/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 2); encoding.writeVarString(e, '') }), /has no sender/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 0); encoding.writeVarString(e, 'x'); encoding.writeVarUint(e, 10) }), /length 10 exceeds the 0 bytes left/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 2); encoding.writeVarString(e, 'x'); encoding.writeUint8(e, 0) }), /1 unexpected bytes after the hello message/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 6); encoding.writeVarString(e, 'x') }), /unexpected end of frame/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 6); encoding.writeVarString(e, 'x'); encoding.writeVarUint(e, 1); encoding.writeUint8(e, 0) }), /1 unexpected bytes after the deleted message/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 7); encoding.writeVarString(e, 'x'); encoding.writeVarUint(e, 0); encoding.writeVarString(e, '') }), /author message has no name/],
      [raw((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 7); encoding.writeVarString(e, 'x'); encoding.writeVarUint(e, 1) }), /unexpected end of frame/],
    ]
    for (const [bytes, problem] of cases) {
      expect(() => decodeBusMessage(bytes)).toThrow(MalformedBusMessage)
      expect(() => decodeBusMessage(bytes)).toThrow(problem)
    }
  })
})

import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import {
  CLOSE_INVALID_PAYLOAD, CLOSE_MESSAGE_TOO_BIG, CLOSE_PROTOCOL_ERROR, CLOSE_UNSUPPORTED_DATA, MESSAGE_AUTH,
} from '@ortak/protocol'
import { encodeUpdate } from '../src/protocol/messages.js'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'

const MAX_PAYLOAD = 64 * 1024

/** A v1 update claiming 2^40 clients: a decoder that trusts it loops for a very long time. */
function hugeClientCountUpdate(): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 2 ** 40)
  encoding.writeVarUint(e, 1)
  return encoding.toUint8Array(e)
}

/** A v1 update with one struct whose `any` content nests deeper than any document needs. */
function deeplyNestedUpdate(): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // one client
  encoding.writeVarUint(e, 1) // one struct
  encoding.writeVarUint(e, 42) // client id
  encoding.writeVarUint(e, 0) // clock
  encoding.writeUint8(e, 8) // item with ContentAny, parent written out
  encoding.writeVarUint(e, 1) // parent is a root type
  encoding.writeVarString(e, 'm')
  encoding.writeVarUint(e, 1) // one value
  for (let i = 0; i < 10_000; i++) {
    encoding.writeUint8(e, 117) // array
    encoding.writeVarUint(e, 1)
  }
  encoding.writeUint8(e, 126) // undefined, innermost
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

interface BadFrameCase {
  name: string
  frame: Uint8Array | string
  code: number
  reason: RegExp
}

// The malformed frames are written out byte by byte: no encoder would produce them.
const badFrames: BadFrameCase[] = [
  { name: 'a text frame', frame: 'hello', code: CLOSE_UNSUPPORTED_DATA, reason: /text frames are not supported/ },
  { name: 'an empty binary frame', frame: new Uint8Array(0), code: CLOSE_PROTOCOL_ERROR, reason: /empty frame/ },
  // A varUint whose continuation bit promises a byte that never comes.
  { name: 'a truncated varint', frame: new Uint8Array([0x80]), code: CLOSE_PROTOCOL_ERROR, reason: /message type: unexpected end/ },
  // Message type 9, which does not exist, and a byte of body.
  { name: 'an unknown message type', frame: new Uint8Array([9, 0]), code: CLOSE_PROTOCOL_ERROR, reason: /unknown message type 9/ },
  // MESSAGE_SYNC, then sync message type 7, which does not exist, and a byte of body.
  { name: 'an unknown sync message type', frame: new Uint8Array([0, 7, 0]), code: CLOSE_PROTOCOL_ERROR, reason: /unknown sync message type 7/ },
  { name: 'a sync update Yjs cannot decode', frame: encodeUpdate(new Uint8Array([5, 200, 1, 3, 9, 9])), code: CLOSE_INVALID_PAYLOAD, reason: /update could not be decoded/ },
  { name: 'the garbage update of yjs issue 479', frame: encodeUpdate(new Uint8Array(Buffer.from('garbagedoc', 'base64'))), code: CLOSE_INVALID_PAYLOAD, reason: /update could not be decoded/ },
  { name: 'the zero-length update of yjs issue 498', frame: encodeUpdate(new Uint8Array(0)), code: CLOSE_INVALID_PAYLOAD, reason: /update could not be decoded/ },
  { name: 'an update claiming 2^40 clients', frame: encodeUpdate(hugeClientCountUpdate()), code: CLOSE_INVALID_PAYLOAD, reason: /count .* exceeds/ },
  { name: 'an update nested 10,000 levels deep', frame: encodeUpdate(deeplyNestedUpdate()), code: CLOSE_INVALID_PAYLOAD, reason: /nested too deeply/ },
  // MESSAGE_SYNC, SYNC_UPDATE, a 2-byte update (the empty one: no structs, empty delete set), then a stray byte.
  { name: 'an update with trailing bytes', frame: new Uint8Array([0, 2, 2, 0, 0, 1]), code: CLOSE_INVALID_PAYLOAD, reason: /unexpected bytes after the update/ },
  // MESSAGE_AWARENESS, a 6-byte update: one entry, client 1, clock 1, a 2-byte state "{{".
  { name: 'an awareness update that is not JSON', frame: new Uint8Array([1, 6, 1, 1, 1, 2, 0x7b, 0x7b]), code: CLOSE_INVALID_PAYLOAD, reason: /awareness update could not be decoded/ },
  // y-protocols' auth message "permission denied" (0), which only a server sends.
  { name: 'a client-sent auth message', frame: Uint8Array.of(MESSAGE_AUTH, 0), code: CLOSE_PROTOCOL_ERROR, reason: /auth messages are sent by the server only/ },
]

describe('bad input', () => {
  let server: TestServer
  let good: TestClient
  let watcher: TestClient
  const room = 'bad-input-room'

  beforeAll(async () => {
    server = await startServer({ maxPayloadBytes: MAX_PAYLOAD })
    good = connectClient(server.wsUrl, room)
    watcher = connectClient(server.wsUrl, room)
    await Promise.all([synced(good), synced(watcher)])
  })
  afterAll(async () => {
    good.destroy()
    watcher.destroy()
    await server.close()
  })

  async function expectGoodClientsCarryOn(marker: string) {
    good.doc.getText('t').insert(good.doc.getText('t').length, marker)
    await waitFor(`the watcher receives "${marker}"`, () => watcher.doc.getText('t').toString().includes(marker))
  }

  async function expectNothingBadStored() {
    await waitFor('writes stored', () => !server.server.registry.get(room)!.hasUnstoredWrites)
    const stored = await server.server.storage.load(room)
    const fromDisk = new Y.Doc()
    for (const update of stored.updates) Y.applyUpdate(fromDisk, update)
    expect(fromDisk.getText('t').toString()).toBe(good.doc.getText('t').toString())
    expect(fromDisk.getMap('m').size).toBe(0)
    expect(fromDisk.store.pendingStructs).toBeNull()
  }

  for (const testCase of badFrames) {
    it(`closes the connection that sends ${testCase.name}, logs it, and keeps the room working`, async () => {
      const bad = await rawSocket(server.wsUrl, room)
      const logsBefore = server.logs.length
      bad.ws.send(testCase.frame)
      const { code, reason } = await bad.closed
      expect(code).toBe(testCase.code)
      expect(reason).toMatch(testCase.reason)
      const logged = server.logs.slice(logsBefore).filter((l) => l.msg === 'closing connection: bad input')
      expect(logged).toHaveLength(1)
      expect(logged[0]).toMatchObject({ room, code: testCase.code })
      expect(logged[0]!.reason).toMatch(testCase.reason)
      await expectGoodClientsCarryOn(`[after ${testCase.name}]`)
      await expectNothingBadStored()
    })
  }

  it('closes a frame above the maximum payload with 1009', async () => {
    const bad = await rawSocket(server.wsUrl, room)
    const logsBefore = server.logs.length
    const doc = new Y.Doc()
    doc.getMap('m').set('big', 'x'.repeat(MAX_PAYLOAD))
    bad.ws.send(encodeUpdate(Y.encodeStateAsUpdate(doc)))
    const { code } = await bad.closed
    expect(code).toBe(CLOSE_MESSAGE_TOO_BIG)
    await waitFor('the oversize frame is logged', () =>
      server.logs.slice(logsBefore).some((l) => l.code === CLOSE_MESSAGE_TOO_BIG && l.room === room && /exceeds 65536 bytes/.test(String(l.reason))))
    await expectGoodClientsCarryOn('[after oversize]')
    await expectNothingBadStored()
  })

  const badRoomPaths: Array<[string, string, RegExp]> = [
    ['an empty room name', '/ws/', /room name is empty/],
    ['no room at all', '/ws', /room name is empty/],
    ['a name over 255 bytes', `/ws/${'a'.repeat(256)}`, /longer than 255 bytes/],
    ['control characters', '/ws/room%00name', /control characters/],
    ['a path trick', '/ws/..%2F..%2Fetc', /path separator/],
    ['a dot-dot name', '/ws/..', /path separator|relative path/],
    ['broken percent-encoding', '/ws/%E0%A4%A', /percent-encoding/],
  ]
  for (const [name, path, message] of badRoomPaths) {
    it(`answers HTTP 400 before the upgrade for ${name}`, async () => {
      const { status, body } = await upgradeRequest(server.port, path)
      expect(status).toBe(400)
      if (body) expect(body).toMatch(message)
      expect(server.server.registry.stats.rooms).toBe(1)
    })
  }
})

/** Sends a WebSocket upgrade request by hand, so the path reaches the server exactly as written. */
function upgradeRequest(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    })
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      reject(new Error(`upgrade to ${path} was accepted`))
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

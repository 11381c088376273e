/**
 * Limits per client address that a reconnect does not reset: every other
 * limit belongs to one connection, and a client closed for going over one
 * could otherwise reconnect at once to a fresh budget, each reconnect
 * costing the server a greeting. Real sockets, one address (127.0.0.1).
 */
import { describe, expect } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { MESSAGE_QUERY_AWARENESS } from '@ortak/protocol'
import { CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
import { encodeSyncStep1, encodeUpdate } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'
import { buildUpdate } from './hostile-updates.js'

/** An upgrade's outcome: an open socket, or the HTTP status and Retry-After it was refused with. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number; retryAfter: string | undefined }> {
  const ws = new WebSocket(url, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined })
      response.destroy()
    })
    ws.once('error', reject)
  })
}

/** The reasons of the upgrades refused for their address, as logged. */
const addressRefusals = (logs: ReadonlyArray<Record<string, unknown>>) =>
  logs.filter((l) => l.msg === 'refused WebSocket upgrade: address limit').map((l) => l.reason)

const closeAll = (results: Array<Awaited<ReturnType<typeof upgrade>>>) => {
  for (const result of results) if ('ws' in result) result.ws.close()
}

describe('limits per client address', () => {
  const fewConnections = testWithServer({ maxConnectionsPerSecondPerAddress: 2 })
  fewConnections('an address opening more connections per second than allowed gets HTTP 429 with Retry-After, and a log line', async ({ server }) => {
    // Two seconds' worth pass at once; the next is refused.
    const results = []
    let refusedAfterMs = 0
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      results.push(await upgrade(`${server.wsUrl}/r${i}`))
      refusedAfterMs = performance.now() - started
    }
    closeAll(results)
    // Answered once the address may connect again (half a second at two a second), not at once: a client
    // retrying at once cannot make the server answer refusals as fast as it sends them.
    expect(refusedAfterMs).toBeGreaterThan(400)
    expect(results.slice(0, 4).every((r) => 'ws' in r)).toBe(true)
    expect(results[4]).toEqual({ status: 429, retryAfter: '1' })
    expect(server.logs.filter((l) => l.msg === 'refused WebSocket upgrade: address limit')).toEqual([
      expect.objectContaining({ address: '127.0.0.1', room: 'r4', reason: 'rate limit: this address opened more than 2 connections per second' }),
    ])
    // The budget refilled meanwhile: there is room for one more.
    const later = await upgrade(`${server.wsUrl}/r5`)
    closeAll([later])
    expect('ws' in later).toBe(true)
  })

  const fewMessages = testWithServer({ maxMessagesPerSecond: 5 })
  fewMessages('a client closed for its message rate reconnects to the budget it left, not to a fresh one', async ({ server }) => {
    const query = new Uint8Array([MESSAGE_QUERY_AWARENESS])
    const flooder = await rawSocket(server.wsUrl, 'flood')
    for (let i = 0; i < 30; i++) flooder.ws.send(query)
    expect((await flooder.closed).code).toBe(4529)
    // At once: the address's budget is in deficit.
    const atOnce = await upgrade(`${server.wsUrl}/flood`)
    expect(atOnce).toMatchObject({ status: 429 })
    expect(addressRefusals(server.logs)).toEqual(['rate limit: this address sent more than 5 messages or 4194304 bytes per second'])
    // Once it holds a tenth of a full budget again (one of ten messages), a connection opens, with that much to spend.
    let again: Awaited<ReturnType<typeof upgrade>> = atOnce
    await waitFor('the address to be let in again', async () => 'ws' in (again = await upgrade(`${server.wsUrl}/flood`)), 5_000)
    const socket = (again as { ws: WebSocket }).ws
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
    for (let i = 0; i < 4; i++) socket.send(query)
    // A fresh budget holds ten messages: four would pass.
    expect(await closed).toBe(4529)
  })

  const smallBudget = testWithServer({ maxBytesPerSecond: 4096, maxPayloadBytes: 4096 })
  smallBudget('the answer to each connection\'s first sync request is charged to its address: connecting again and again to ask is refused', async ({ server }) => {
    const seeder = new Y.Doc()
    seeder.getText('t').insert(0, 'x'.repeat(6000))
    const room = server.server.registry
    await room.withRoom('big', (loaded) => loaded.applyUpdate(Y.encodeStateAsUpdate(seeder), null))
    const ask = new Uint8Array(encodeSyncStep1(new Uint8Array([0])))
    const answered: number[] = []
    let refusal: unknown = null
    for (let i = 0; i < 6 && !refusal; i++) {
      const result = await upgrade(`${server.wsUrl}/big`)
      if (!('ws' in result)) {
        refusal = result
        break
      }
      const reply = new Promise<number>((resolve) => result.ws.on('message', (data: Buffer) => data[0] === 0 && data[1] === 1 && resolve(data.length)))
      result.ws.send(ask)
      answered.push(await reply)
      result.ws.close()
      await new Promise((resolve) => result.ws.once('close', resolve))
    }
    // A full budget holds 2 × 4096 + 4096 bytes: two answers of over 6000 bytes empty it.
    expect(answered.length).toBe(2)
    expect(answered.every((bytes) => bytes > 6000)).toBe(true)
    expect(refusal).toMatchObject({ status: 429 })
    expect(addressRefusals(server.logs)).toEqual(['rate limit: this address sent more than 200 messages or 4096 bytes per second'])
  })

  /** Three upgrades from 127.0.0.1, each claiming in X-Forwarded-For to come from another address: which were refused. */
  const claimingOtherAddresses = async (wsUrl: string) => {
    const results = []
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) results.push(await upgrade(`${wsUrl}/proxied`, { 'x-forwarded-for': `203.0.113.9, ${address}` }))
    closeAll(results)
    return results.map((r) => ('ws' in r ? 'open' : r.status))
  }

  const direct = testWithServer({ maxConnectionsPerSecondPerAddress: 1 })
  direct('X-Forwarded-For is ignored unless TRUST_PROXY is set: a client cannot claim another address', async ({ server }) => {
    expect(await claimingOtherAddresses(server.wsUrl)).toEqual(['open', 'open', 429])
  })

  const behindProxy = testWithServer({ maxConnectionsPerSecondPerAddress: 1, trustProxy: true })
  behindProxy('behind a proxy (TRUST_PROXY), the address is the last X-Forwarded-For entry, the one the proxy added', async ({ server }) => {
    expect(await claimingOtherAddresses(server.wsUrl)).toEqual(['open', 'open', 'open'])
    expect(server.logs.some((l) => l.msg === 'refused WebSocket upgrade: address limit')).toBe(false)
  })

  const smallByteBudget = testWithServer({ maxBytesPerSecond: 64 * 1024, maxPayloadBytes: 256 * 1024, maxConnectionsPerSecondPerAddress: 1_000 })
  smallByteBudget('a connection whose update makes the room reload from storage is charged the document, and its address waits before it connects again', async ({ server, connect }) => {
    const room = 'reloaded'
    const doc = new Y.Doc()
    doc.clientID = 1
    const writer = connect(room, { doc })
    await synced(writer)
    doc.getText('t').insert(0, 'x'.repeat(200_000))
    await waitFor('the document to be stored', () => server.server.registry.get(room)?.hasUnstoredWrites === false && server.server.registry.get(room)!.doc.getText('t').length === 200_000)
    // An item whose origin lies right of its right origin: found once integrated, so the room is reloaded.
    const misplaced = buildUpdate({ clients: [{ client: 5, clock: 0, structs: [{ kind: 'item', origin: [1, 2], rightOrigin: [1, 0], content: { kind: 'string', text: 'x' } }] }], deletes: [] })
    // Each costs a reload of 200 KB for a few dozen bytes sent. A full budget holds two seconds' worth and one
    // largest frame (128 + 256 KB): the first reload is paid from it, the second puts the address in deficit.
    for (const attempt of [1, 2]) {
      let hostile: Awaited<ReturnType<typeof rawSocket>> | undefined
      await waitFor(`hostile connection ${attempt} to open`, async () => (hostile = await rawSocket(server.wsUrl, room).catch(() => undefined)) !== undefined)
      hostile!.ws.send(encodeUpdate(misplaced))
      expect((await hostile!.closed).code).toBe(CLOSE_INVALID_PAYLOAD)
    }
    // Once the server has seen the second go, the address is refused. (Without the charge, every one of these
    // connections opens, and the wait times out.)
    await waitFor('the address to be refused', async () => {
      const result = await upgrade(`${server.wsUrl}/${room}`)
      if ('ws' in result) result.ws.close()
      return 'status' in result && result.status === 429
    }, 3_000)
    expect(addressRefusals(server.logs)).toContainEqual(expect.stringMatching(/^rate limit: this address sent more than \d+ messages or 65536 bytes per second$/))
  })
})

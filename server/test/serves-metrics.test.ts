import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestServer, type TestClient } from './helpers.js'
import { upgradeStatus } from './security-helpers.js'

let server: TestServer | undefined
const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await server?.close()
  server = undefined
})

/** The samples of a Prometheus text page, by name with labels (`name{label="value"}`). */
function samples(page: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of page.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return values
}

async function scrape(s: TestServer): Promise<Map<string, number>> {
  const response = await fetch(`${s.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return samples(await response.text())
}

it('serves connections, rooms, traffic, storage and broadcast latency, refusals and storage errors at /metrics', async () => {
  server = await startServer()
  const a = connectClient(server.wsUrl, 'measured')
  const b = connectClient(server.wsUrl, 'measured')
  clients.push(a, b)
  await Promise.all([synced(a), synced(b)])
  a.doc.getText('t').insert(0, 'hello')
  await waitFor('b to receive the edit', () => b.doc.getText('t').toString() === 'hello')

  // Two refusals: an invalid room name at the upgrade, and a text frame on an open connection.
  expect(await upgradeStatus(server.wsUrl, 'a\u0000b')).toBe(400)
  const raw = await rawSocket(server.wsUrl, 'measured')
  raw.ws.send('not binary')
  expect((await raw.closed).code).toBe(1003)

  const page = await scrape(server)
  expect(page.get('ortak_connections')).toBe(2)
  expect(page.get('ortak_rooms_loaded')).toBe(1)
  expect(page.get('ortak_messages_received_total')).toBeGreaterThanOrEqual(5)
  expect(page.get('ortak_received_bytes_total')).toBeGreaterThan(0)
  expect(page.get('ortak_messages_sent_total')).toBeGreaterThanOrEqual(5)
  expect(page.get('ortak_sent_bytes_total')).toBeGreaterThan(0)
  expect(page.get('ortak_storage_seconds_count{operation="append"}')).toBeGreaterThanOrEqual(1)
  expect(page.get('ortak_storage_seconds_count{operation="load"}')).toBeGreaterThanOrEqual(1)
  expect(page.get('ortak_update_broadcast_delay_seconds_count')).toBeGreaterThanOrEqual(1)
  expect(page.get('ortak_update_broadcast_delay_seconds_bucket{le="+Inf"}')).toBe(page.get('ortak_update_broadcast_delay_seconds_count'))
  expect(page.get('ortak_update_broadcast_delay_seconds_bucket{le="0.0005"}')).toBeLessThanOrEqual(page.get('ortak_update_broadcast_delay_seconds_bucket{le="2.5"}')!)
  expect(page.get('ortak_update_broadcast_delay_seconds_sum')).toBeGreaterThan(0)
  expect(page.get('ortak_connections_refused_total{reason="invalid_room_name"}')).toBe(1)
  expect(page.get('ortak_connections_refused_total{reason="text_frame"}')).toBe(1)
  expect(page.has('process_resident_memory_bytes')).toBe(true)

  // A storage that fails shows as errors by operation.
  await server.server.storage.close()
  a.doc.getText('t').insert(5, ' again')
  await waitFor('the failed append to be counted', async () => (await scrape(server!)).get('ortak_storage_errors_total{operation="append"}') === 1)
})

it('counts what the HTTP API stores like any other update', async () => {
  server = await startServer()
  const update = (() => {
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 1)
    return Y.encodeStateAsUpdate(doc)
  })()
  const before = (await scrape(server)).get('ortak_update_broadcast_delay_seconds_count') ?? 0
  const response = await fetch(`${server.url}/api/rooms/r/updates`, { method: 'POST', body: new Uint8Array(update), headers: { 'Content-Type': 'application/octet-stream' } })
  expect(response.status).toBe(200)
  expect((await scrape(server)).get('ortak_update_broadcast_delay_seconds_count')).toBe(before + 1)
})

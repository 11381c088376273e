import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'


describe('connection and room limits', () => {
  let server: TestServer | undefined
  const clients: TestClient[] = []
  const client = (room: string) => {
    const c = connectClient(server!.wsUrl, room)
    clients.push(c)
    return c
  }
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await server?.close()
  })

  it('close a connection past the per-room limit with 4503; the provider retries and gets in once there is space', async () => {
    server = await startServer({ maxConnectionsPerRoom: 2 })
    const a = client('small')
    const b = client('small')
    await Promise.all([synced(a), synced(b)])
    const refused = await rawSocket(server.wsUrl, 'small')
    expect(await refused.closed).toEqual({ code: 4503, reason: 'room is at its limit of 2 connections; try again later' })
    expect(refused.messages).toHaveLength(0)
    expect(server.logs.filter((l) => l.msg === 'refused connection')).toEqual([expect.objectContaining({ room: 'small', code: 4503 })])
    // Another room is not affected.
    await synced(client('other'))
    // The stock provider treats 4503 as transient and keeps trying.
    const c = client('small')
    await waitFor('C was refused at least once', () => server!.logs.filter((l) => l.code === 4503).length >= 2)
    a.destroy()
    await synced(c)
    expect(server.server.registry.get('small')!.connections.size).toBe(2)
  })

  it('close a connection past the total limit with 4503', async () => {
    server = await startServer({ maxConnections: 2 })
    await Promise.all([synced(client('one')), synced(client('two'))])
    const refused = await rawSocket(server.wsUrl, 'three')
    expect(await refused.closed).toEqual({ code: 4503, reason: 'server is at its limit of 2 connections; try again later' })
    expect(server.server.registry.get('three')).toBeUndefined()
    expect(server.server.registry.stats.connections).toBe(2)
  })

  it('unload the least recently used idle room early when the room limit is reached', async () => {
    server = await startServer({ maxLoadedRooms: 2, unloadGraceMs: 60_000 })
    const registry = server.server.registry
    const first = client('first')
    await synced(first)
    first.doc.getText('t').insert(0, 'kept on disk')
    await waitFor('stored', () => !registry.get('first')!.hasUnstoredWrites)
    first.destroy()
    const second = client('second')
    await synced(second)
    second.destroy()
    await waitFor('both idle', () => registry.stats.unloadTimers === 2)
    // 'first' fell idle first, so it goes; 'second' stays.
    await synced(client('third'))
    await waitFor('first unloaded', () => registry.get('first') === undefined)
    expect(registry.get('second')).toBeDefined()
    expect(registry.stats.rooms).toBe(2)
    // Nothing was lost by unloading it early.
    const again = client('first')
    await synced(again)
    expect(again.doc.getText('t').toString()).toBe('kept on disk')
  })

  it('close a connection to yet another room with 4503 when every loaded room is in use', async () => {
    server = await startServer({ maxLoadedRooms: 2 })
    await Promise.all([synced(client('busy-1')), synced(client('busy-2'))])
    const refused = await rawSocket(server.wsUrl, 'busy-3')
    expect(await refused.closed).toEqual({ code: 4503, reason: 'server is at its limit of 2 open rooms, none idle; try again later' })
    expect(server.server.registry.stats.rooms).toBe(2)
    // A connection to a loaded room still gets in.
    await synced(client('busy-1'))
  })

  it('answer an API write to yet another room with 503 and Retry-After when every loaded room is in use', async () => {
    server = await startServer({ maxLoadedRooms: 1 })
    const busy = client('busy')
    await synced(busy)
    const write = (room: string) => fetch(`${server!.url}/api/rooms/${room}`, { method: 'PUT', body: 'seeded', headers: { 'Content-Type': 'text/markdown' } })
    const refused = await write('another')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toEqual({ status: 503, message: 'server is at its limit of 1 open rooms, none idle; try again later' })
    const update = await fetch(`${server.url}/api/rooms/another/updates`, {
      method: 'POST', body: new Uint8Array(Y.encodeStateAsUpdate(new Y.Doc())), headers: { 'Content-Type': 'application/octet-stream' },
    })
    expect(update.status).toBe(503)
    expect(server.server.registry.stats.rooms).toBe(1)
    expect(server.server.registry.get('another')).toBeUndefined()
    // The room in use is still served, and once it is idle the API gets in as a connection would.
    expect((await write('busy')).status).toBe(201)
    busy.destroy()
    await waitFor('the busy room idle', () => server!.server.registry.stats.unloadTimers === 1)
    expect((await write('another')).status).toBe(201)
    expect(server.server.registry.stats.rooms).toBe(1)
  })
})

import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { encodeUpdate } from '../src/protocol/messages.js'
import { connectClient, rawSocket, startServer, synced, testWithServer, waitFor, type TestClient } from './helpers.js'
import { SECRET, providerClosed, statesSeenBy, textUpdate, token } from './security-helpers.js'

const test = testWithServer({ authSecret: SECRET }).extend<{
  /** Connects as the user `name`, with a token granting `permission` on `room`. */
  client: (room: string, permission: 'read' | 'write', name: string) => Promise<TestClient>
}>({
  client: async ({ connect }, use) => {
    await use(async (room, permission, name) =>
      connect(room, { params: { token: await token({ room, permission, name, sub: name.toLowerCase() }) } }))
  },
})

describe('a connection with a read token', () => {
  test('receives the document, later updates and awareness, and its own awareness reaches others', async ({ client }) => {
    const writer = await client('doc', 'write', 'Wren')
    await synced(writer)
    writer.doc.getText('t').insert(0, 'before ')
    const reader = await client('doc', 'read', 'Rhea')
    await synced(reader)
    await waitFor('reader has the document', () => reader.doc.getText('t').toString() === 'before ')
    writer.doc.getText('t').insert(7, 'after')
    await waitFor('reader gets a later update', () => reader.doc.getText('t').toString() === 'before after')
    writer.provider.awareness.setLocalStateField('cursor', { anchor: 1 })
    await waitFor('reader sees the writer', () => statesSeenBy(reader).get(writer.doc.clientID)?.user?.name === 'Wren')
    reader.provider.awareness.setLocalStateField('cursor', { anchor: 3 })
    await waitFor('writer sees the reader’s caret', () => statesSeenBy(writer).get(reader.doc.clientID)?.cursor?.anchor === 3)
    expect(statesSeenBy(writer).get(reader.doc.clientID)!.user).toEqual({ id: 'rhea', name: 'Rhea' })
    expect(reader.provider.wsconnected).toBe(true)
  })

  test('reconnects after deletions without being taken for a writer (its sync step 2 carries a delete set)', async ({ server, client }) => {
    const writer = await client('deletions', 'write', 'Wren')
    await synced(writer)
    writer.doc.getText('t').insert(0, 'keep this, drop this')
    writer.doc.getText('t').delete(10, 10)
    const reader = await client('deletions', 'read', 'Rhea')
    await synced(reader)
    await waitFor('reader has the text', () => reader.doc.getText('t').toString() === 'keep this,')
    const logsBefore = server.logs.length
    reader.provider.disconnect()
    reader.provider.connect()
    await synced(reader)
    await new Promise((r) => setTimeout(r, 200))
    expect(reader.provider.wsconnected).toBe(true)
    expect(server.logs.slice(logsBefore).filter((l) => l.code === 4405)).toHaveLength(0)
  })

  test('is closed with 4405 when it edits; the edit is never applied, stored or relayed', async ({ server, client }) => {
    const writer = await client('guarded', 'write', 'Wren')
    await synced(writer)
    writer.doc.getText('t').insert(0, 'original')
    const reader = await client('guarded', 'read', 'Rhea')
    await synced(reader)
    await waitFor('reader has the text', () => reader.doc.getText('t').toString() === 'original')
    const logsBefore = server.logs.length
    const closed = providerClosed(reader)
    reader.doc.getText('t').insert(0, 'VANDALISED ')
    expect(await closed).toEqual({ code: 4405, reason: 'read-only access: document updates are refused' })
    // The writer keeps editing and never sees the reader's edit.
    writer.doc.getText('t').insert(8, '!')
    await waitFor('the writer’s own edit is stored', () => !server.server.registry.get('guarded')!.hasUnstoredWrites)
    await new Promise((r) => setTimeout(r, 100))
    expect(writer.doc.getText('t').toString()).toBe('original!')
    expect(server.server.registry.get('guarded')!.doc.getText('t').toString()).toBe('original!')
    expect(server.logs.slice(logsBefore).filter((l) => l.code === 4405)).toHaveLength(1)
    await server.close()
    const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
    const stored = await storage.load('guarded')
    await storage.close()
    const reloaded = new Y.Doc()
    for (const update of stored.updates) Y.applyUpdate(reloaded, update)
    expect(reloaded.getText('t').toString()).toBe('original!')
  })

  test('is closed with 4405 for a raw update frame that deletes nothing new but adds content', async ({ server }) => {
    const raw = await rawSocket(server.wsUrl, 'raw-reader', { token: await token({ room: 'raw-reader', permission: 'read' }) })
    raw.ws.send(encodeUpdate(textUpdate('sneaky')))
    const closed = await raw.closed
    expect(closed.code).toBe(4405)
    expect(server.server.registry.get('raw-reader')!.doc.getText('t').toString()).toBe('')
  })
})

describe('awareness identity with access tokens', () => {
  test('is stamped by the server from the token: a client cannot pose as another user or inject CSS', async ({ server, clients }) => {
    const mallory = connectClient(server.wsUrl, 'room', { params: { token: await token({ room: 'room', sub: 'mallory', name: 'Mallory' }) } })
    const ada = connectClient(server.wsUrl, 'room', { params: { token: await token({ room: 'room', sub: 'ada', name: 'Ada' }) } })
    clients.push(mallory, ada)
    await Promise.all([synced(mallory), synced(ada)])
    mallory.provider.awareness.setLocalState({
      user: { name: 'Ada', id: 'ada', color: 'red; background: url(https://evil.example/pixel)', colorLight: '#ff000033' },
      cursor: { anchor: 5 },
    })
    await waitFor('Ada sees Mallory’s state', () => statesSeenBy(ada).get(mallory.doc.clientID)?.cursor?.anchor === 5)
    const stamped = {
      user: { id: 'mallory', name: 'Mallory', colorLight: '#ff000033' },
      cursor: { anchor: 5 },
    }
    expect(statesSeenBy(ada).get(mallory.doc.clientID)).toEqual(stamped)
    // What the server hands newcomers is the stamped state too.
    const late = connectClient(server.wsUrl, 'room', { params: { token: await token({ room: 'room', sub: 'late', name: 'Late' }) } })
    clients.push(late)
    await synced(late)
    await waitFor('the newcomer sees Mallory', () => statesSeenBy(late).has(mallory.doc.clientID))
    expect(statesSeenBy(late).get(mallory.doc.clientID)).toEqual(stamped)
  })

  test('is left as the client wrote it when access control is off', async () => {
    const open = await startServer()
    const clients: TestClient[] = []
    try {
      const a = connectClient(open.wsUrl, 'room')
      const b = connectClient(open.wsUrl, 'room')
      clients.push(a, b)
      await Promise.all([synced(a), synced(b)])
      a.provider.awareness.setLocalStateField('user', { name: 'Anyone', color: 'teal' })
      await waitFor('B sees A', () => statesSeenBy(b).get(a.doc.clientID)?.user?.name === 'Anyone')
      expect(statesSeenBy(b).get(a.doc.clientID)!.user).toEqual({ name: 'Anyone', color: 'teal' })
    } finally {
      for (const c of clients) c.destroy()
      await open.close()
    }
  })
})

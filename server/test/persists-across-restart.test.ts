import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, spawnServer, synced, tempDir, waitFor, type ServerProcess, type TestClient } from './helpers.js'

describe('a real server process', () => {
  const clients: TestClient[] = []
  const servers: ServerProcess[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    for (const s of servers.splice(0)) if (s.child.exitCode === null) await s.kill()
  })
  const track = <T extends TestClient | ServerProcess>(x: T, list: T[]) => (list.push(x), x)

  it('stops on SIGTERM with 1012 to its clients, exits 0, and a client reconnects to the restarted server unchanged', async () => {
    const dataDir = tempDir()
    const first = track(await spawnServer(dataDir), servers)
    const client = track(connectClient(first.wsUrl, 'restart-room'), clients)
    await synced(client)
    const closeCodes: number[] = []
    client.provider.on('connection-close', (event) => { if (event) closeCodes.push(event.code) })
    client.doc.getText('t').insert(0, 'survives a restart')
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('and so does rich text')])
    client.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
    // Wait until a second client has the change: it was broadcast, so it is stored.
    const witness = track(connectClient(first.wsUrl, 'restart-room'), clients)
    await waitFor('the witness has both changes', () => witness.doc.getXmlFragment('prosemirror').length === 1 && witness.doc.getText('t').length > 0)
    witness.destroy()

    const stoppedAt = Date.now()
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(Date.now() - stoppedAt).toBeLessThan(5_000)
    await waitFor('the client saw close code 1012', () => closeCodes.includes(1012))

    // Same port, same data: the unchanged client reconnects by itself.
    const second = track(await spawnServer(dataDir, ['--port', String(first.port)]), servers)
    await waitFor('the client reconnects', () => client.provider.wsconnected && client.provider.synced)
    const fresh = track(connectClient(second.wsUrl, 'restart-room'), clients)
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('survives a restart')
    expect(fresh.doc.getXmlFragment('prosemirror').toString()).toBe('<paragraph>and so does rich text</paragraph>')
    client.doc.getText('t').insert(0, 'after: ')
    await waitFor('the reconnected client writes again', () => fresh.doc.getText('t').toString() === 'after: survives a restart')
  })

  it('keeps, through kill -9 during writes, every update another client had received', async () => {
    const dataDir = tempDir()
    const server = track(await spawnServer(dataDir), servers)
    const writers = [0, 1, 2].map(() => track(connectClient(server.wsUrl, 'kill-room'), clients))
    await Promise.all(writers.map(synced))
    let sent = 0
    const timers = writers.map((w, i) => setInterval(() => {
      w.doc.getArray<string>('log').push([`w${i}-${sent++}`])
    }, 2))
    const seenByOthers = new Set<string>()
    const collectSeenByOthers = () => writers.forEach((w, i) => {
      for (const item of w.doc.getArray<string>('log').toArray()) if (!item.startsWith(`w${i}-`)) seenByOthers.add(item)
    })
    // Counted as the assertion below counts them: on a busy machine a writer's own items outrun what reaches the others.
    await waitFor('a few hundred updates went around', () => (collectSeenByOthers(), seenByOthers.size > 300))
    await server.kill('SIGKILL')
    for (const t of timers) clearInterval(t)
    // Frames the server sent before it died may still be in flight to the clients.
    await new Promise((r) => setTimeout(r, 200))
    collectSeenByOthers()
    for (const w of writers) w.provider.destroy()
    expect(seenByOthers.size).toBeGreaterThan(300)

    const restarted = track(await spawnServer(dataDir), servers)
    const reader = track(connectClient(restarted.wsUrl, 'kill-room'), clients)
    await synced(reader)
    const stored = new Set(reader.doc.getArray<string>('log').toArray())
    const missing = [...seenByOthers].filter((item) => !stored.has(item))
    expect(missing).toEqual([])
  })
})

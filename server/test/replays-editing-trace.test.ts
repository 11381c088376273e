import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, spawnServer, synced, tempDir, waitFor, type ServerProcess, type TestClient } from './helpers.js'
import { loadTrace } from './trace.js'

// A correctness test, not a timing: 259,778 real keystrokes, one Yjs transaction each, through the server.
describe('the automerge-paper editing trace', () => {
  const clients: TestClient[] = []
  let server: ServerProcess | undefined
  afterAll(async () => {
    for (const c of clients) c.destroy()
    if (server && server.child.exitCode === null) await server.kill()
  })

  it('reaches a watching client exactly, and is all there after a restart', async () => {
    const trace = loadTrace()
    const dataDir = tempDir()
    server = await spawnServer(dataDir)
    const writer = connectClient(server.wsUrl, 'paper')
    const watcher = connectClient(server.wsUrl, 'paper')
    clients.push(writer, watcher)
    await Promise.all([synced(writer), synced(watcher)])

    const text = writer.doc.getText('text')
    writer.doc.transact(() => text.insert(0, trace.startContent))
    for (const txn of trace.txns) {
      writer.doc.transact(() => {
        for (const [position, deleted, inserted] of txn.patches) {
          if (deleted > 0) text.delete(position, deleted)
          if (inserted) text.insert(position, inserted)
        }
      })
    }
    expect(text.toString()).toBe(trace.endContent)
    const written = Y.snapshot(writer.doc)
    await waitFor('the watcher to have every insertion and deletion', () => Y.equalSnapshots(Y.snapshot(watcher.doc), written), 120_000)
    // That says which changes arrived, not what they hold: the text shows whether they came through intact.
    expect(watcher.doc.getText('text').toString()).toBe(trace.endContent)

    writer.provider.destroy()
    watcher.provider.destroy()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    server = await spawnServer(dataDir)
    const reader = connectClient(server.wsUrl, 'paper')
    clients.push(reader)
    await synced(reader)
    expect(reader.doc.getText('text').toString()).toBe(trace.endContent)
  }, 180_000)
})

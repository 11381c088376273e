import { spawn } from 'node:child_process'
import net from 'node:net'
import { expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { databaseFile } from '../src/server.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, repoRoot, synced, tempDir, waitFor } from './helpers.js'

const isPortFree = (port: number) => new Promise<boolean>((resolve) => {
  const probe = net.createServer()
  probe.once('error', () => resolve(false))
  probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
})

it.each(['SIGTERM', 'SIGINT'] as const)('stops on %s sent to `npm start`: exit 0, port freed, the room stored compacted with every edit others saw', async (signal) => {
  const dataDir = tempDir()
  // What a service manager does: signal the process it started, which is npm. In a group of their own,
  // so that whatever a failed run leaves behind is killed with the group.
  const npm = spawn('npm', ['start', '--', '--port', '0', '--data', dataDir], {
    cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  })
  onTestFinished(() => {
    try {
      process.kill(-npm.pid!, 'SIGKILL')
    } catch {
      // The group is gone: everything in it has exited.
    }
  })
  let output = ''
  npm.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  npm.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)))
  let port = 0
  await waitFor('the server to log its port', () => {
    port = Number(/"port":(\d+)/.exec(output)?.[1] ?? 0)
    return port > 0
  }, 60_000)

  const wsUrl = `ws://127.0.0.1:${port}/ws`
  const writer = connectClient(wsUrl, 'typed')
  const observer = connectClient(wsUrl, 'typed')
  const closeCodes: number[] = []
  observer.provider.on('connection-close', (event) => void closeCodes.push(event?.code ?? 0))
  await Promise.all([synced(writer), synced(observer)])
  const text = writer.doc.getText('t')
  // Still typing when the signal comes: the last edits are on their way, being stored or waiting for their batch.
  const typing = setInterval(() => text.insert(text.length, 'ab'), 2)
  await waitFor('the observer to see some typing', () => observer.doc.getText('t').length >= 40)
  npm.kill(signal)
  const code = await exited
  clearInterval(typing)
  const seen = observer.doc.getText('t').toString()
  writer.destroy()
  observer.destroy()

  expect({ code, closeCode: closeCodes[0] }).toEqual({ code: 0, closeCode: 1012 })
  expect(await isPortFree(port)).toBe(true)
  const storage = new SqliteStorage({ file: databaseFile(dataDir) })
  const stored = await storage.load('typed')
  await storage.close()
  // Compacted at shutdown: one snapshot, nothing left in the log.
  expect({ snapshots: stored.updates.length, logCount: stored.logCount }).toEqual({ snapshots: 1, logCount: 0 })
  const doc = new Y.Doc()
  Y.applyUpdate(doc, stored.updates[0]!)
  expect(doc.getText('t').toString().startsWith(seen)).toBe(true)
}, 120_000)

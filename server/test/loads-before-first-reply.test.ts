import { afterEach, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { rawSocket, startServer, tempDir, waitFor, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
})

it('sends nothing about a stored room until it is loaded: the first sync message already carries its state', async () => {
  const dataDir = tempDir()
  const seed = new Y.Doc()
  seed.getText('t').insert(0, 'stored before the server started')
  const storage = new SqliteStorage({ file: databaseFile(dataDir) })
  await storage.append([{ room: 'preloaded', update: Y.encodeStateAsUpdate(seed), generation: 0 }])
  await storage.close()

  server = await startServer({ dataDir })
  const socket = await rawSocket(server.wsUrl, 'preloaded')
  await waitFor('the first message', () => socket.messages.length > 0)
  const decoder = decoding.createDecoder(socket.messages[0]!)
  expect(decoding.readVarUint(decoder)).toBe(0) // sync
  expect(decoding.readVarUint(decoder)).toBe(0) // step 1: the server's state vector
  const stateVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
  expect(stateVector.get(seed.clientID)).toBe(Y.getState(seed.store, seed.clientID))
  socket.ws.close()
})

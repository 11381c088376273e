/** Helpers for the access-control and limits tests: tokens, raw sockets with options, close events, forced GC. */
import v8 from 'node:v8'
import vm from 'node:vm'
import { WebSocket, type ClientOptions } from 'ws'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { TokenClaims } from '../src/auth/access-token.js'
import { secretKey } from '../src/auth/keys.js'
import { mintToken } from '../src/auth/mint-token.js'
import { encodeAwareness } from '../src/protocol/messages.js'
import type { TestClient, rawSocket } from './helpers.js'

export const SECRET = 'test-secret-of-at-least-32-characters!'

/** A token signed with SECRET; claims default to write access to `room` for user "u1" named "Ada". */
export function token(claims: Partial<TokenClaims> & { room?: string }, expiresInSeconds = 600, secret = SECRET): Promise<string> {
  return mintToken({ sub: 'u1', name: 'Ada', permission: 'write', ...claims, expiresInSeconds } as TokenClaims & { expiresInSeconds: number }, secretKey(secret))
}

export type RawClient = Awaited<ReturnType<typeof rawSocket>>

/** The HTTP status a refused upgrade answered with. */
export function upgradeStatus(wsUrl: string, room: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}/${encodeURIComponent(room)}`, options)
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error)
    })
  })
}

/** Resolves with the provider's terminal close (a 4400-4499 code it will not retry). */
export function providerClosed(client: TestClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.provider.once('closed', (event) => resolve(event)))
}

/**
 * A y-protocols awareness update with one entry: `state` for `clientId` at
 * `clock` (a null state: the client left). Built by hand because an
 * Awareness instance only encodes states it holds, with clocks it chose.
 */
export function awarenessUpdate(clientId: number, clock: number, state: unknown): Uint8Array {
  const update = encoding.createEncoder()
  encoding.writeVarUint(update, 1)
  encoding.writeVarUint(update, clientId)
  encoding.writeVarUint(update, clock)
  encoding.writeVarString(update, JSON.stringify(state))
  return encoding.toUint8Array(update)
}

/** A y-websocket awareness frame announcing `state` for `clientId`. */
export function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  return encodeAwareness(awarenessUpdate(clientId, clock, state))
}

/** An update inserting `text` into Y.Text `name`, from a fresh client. */
export function textUpdate(text: string, name = 't'): Uint8Array {
  const doc = new Y.Doc()
  doc.getText(name).insert(0, text)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

/** Every awareness state another client holds, by client id. */
export function statesSeenBy(client: TestClient): Map<number, Record<string, any>> {
  return client.provider.awareness.getStates() as Map<number, Record<string, any>>
}

let gcFunction: (() => void) | undefined
/** Runs a full garbage collection (V8's gc, exposed at run time so the test runner needs no flag). */
export function collectGarbage(): void {
  if (!gcFunction) {
    v8.setFlagsFromString('--expose-gc')
    gcFunction = vm.runInNewContext('gc') as () => void
  }
  gcFunction()
}

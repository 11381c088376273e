import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateKey, secretKey } from '../src/auth/keys.js'
import { mintToken } from '../src/auth/mint-token.js'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { SECRET, providerClosed, token } from './security-helpers.js'

describe('with AUTH_SECRET set, a connection', () => {
  let server: TestServer
  const clients: TestClient[] = []
  const client = (room: string, params?: Record<string, string>) => {
    const c = connectClient(server.wsUrl, room, { params })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    server = await startServer({ authSecret: SECRET })
    // A room with content, so a refused client that saw anything would show it.
    const writer = client('secret-room', { token: await token({ room: 'secret-room' }) })
    await synced(writer)
    writer.doc.getText('t').insert(0, 'confidential')
    await waitFor('the write is stored', () => server.server.registry.get('secret-room')?.hasUnstoredWrites === false)
  })
  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await server.close()
  })

  const refusalCases: Array<[string, () => Promise<Record<string, string>>, number, RegExp]> = [
    ['without a token', async () => ({}), 4401, /access token missing/],
    ['with a token that is not a JWT', async () => ({ token: 'not.a.jwt' }), 4400, /not a well-formed JWT/],
    ['with an expired token', async () => ({ token: await token({ room: 'secret-room' }, -60) }), 4401, /access token expired at/],
    ['with a token signed with another secret', async () => ({ token: await token({ room: 'secret-room' }, 600, 'another-secret-that-is-32-characters-long') }), 4401, /signature is invalid/],
    ['with a token for another room', async () => ({ token: await token({ room: 'other-room' }) }), 4403, /grants room "other-room", not this room/],
    ['with a token for another room prefix', async () => ({ token: await token({ roomPrefix: 'team-b:' }) }), 4403, /grants rooms starting with "team-b:"/],
    ['with an unsigned (alg none) token', async () => ({
      token: new UnsecuredJWT({ room: 'secret-room', permission: 'write', name: 'Eve' }).setSubject('eve').setExpirationTime('1h').encode(),
    }), 4401, /algorithm none is not accepted/],
    ['with a token that is not valid yet', async () => ({
      token: await new SignJWT({ room: 'secret-room', permission: 'write', name: 'Ada' }).setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1').setNotBefore('1h').setExpirationTime('2h').sign(secretKey(SECRET).key),
    }), 4401, /not valid yet/],
    ['with a token without an expiry', async () => ({
      token: await new SignJWT({ room: 'secret-room', permission: 'write', name: 'Ada' }).setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1').sign(secretKey(SECRET).key),
    }), 4400, /claim `exp` is missing/],
    ['with a token without a permission', async () => ({
      token: await new SignJWT({ room: 'secret-room', name: 'Ada' }).setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1').setExpirationTime('1h').sign(secretKey(SECRET).key),
    }), 4400, /`permission` claim must be "read" or "write"/],
  ]

  for (const [what, params, code, reason] of refusalCases) {
    it(`${what} is closed with ${code} before any document data, logged once, and the provider stops retrying`, async () => {
      const logsBefore = server.logs.length
      const c = client('secret-room', await params())
      let framesReceived = 0
      c.provider.on('status', ({ status }) => {
        if (status === 'connected') c.provider.ws!.addEventListener('message', () => framesReceived++)
      })
      const closed = await providerClosed(c)
      expect(closed.code).toBe(code)
      expect(closed.reason).toMatch(reason)
      // Longer than the provider's first backoff (200 ms): it would have reconnected by now.
      await new Promise((r) => setTimeout(r, 400))
      expect(c.provider.shouldConnect).toBe(false)
      expect(c.provider.ws).toBeNull()
      expect(framesReceived).toBe(0)
      expect(c.doc.getText('t').toString()).toBe('')
      const refusals = server.logs.slice(logsBefore).filter((l) => l.msg === 'refused connection')
      expect(refusals).toHaveLength(1)
      expect(refusals[0]).toMatchObject({ room: 'secret-room', code })
      expect(JSON.stringify(server.logs.slice(logsBefore))).not.toContain('eyJ')
    })
  }

  it('refused by a raw socket too: closed with no frame sent to it, and never counted in the room', async () => {
    const raw = await rawSocket(server.wsUrl, 'secret-room', { token: await token({ room: 'other-room' }) })
    raw.ws.send(new Uint8Array([0, 0, 1, 0])) // a sync step 1 sent before the close arrives is ignored
    const closed = await raw.closed
    expect(closed.code).toBe(4403)
    expect(raw.messages).toHaveLength(0)
    expect(server.server.registry.get('secret-room')!.connections.size).toBe(1)
  })

  it('with a valid token for the room syncs the document', async () => {
    const c = client('secret-room', { token: await token({ room: 'secret-room', name: 'Bo', sub: 'u2' }) })
    await synced(c)
    expect(c.doc.getText('t').toString()).toBe('confidential')
  })

  it('with a valid token for a room prefix syncs every room under it', async () => {
    const prefixToken = await token({ roomPrefix: 'secret-' })
    const c = client('secret-room', { token: prefixToken })
    await synced(c)
    expect(c.doc.getText('t').toString()).toBe('confidential')
  })
})

describe('with AUTH_PUBLIC_KEY set, a connection', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  let server: TestServer
  const clients: TestClient[] = []

  beforeAll(async () => {
    server = await startServer({ authPublicKey: publicPem })
  })
  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await server.close()
  })

  it('with a token signed by the matching private key (ES256) syncs', async () => {
    const signed = await mintToken({ sub: 'u1', name: 'Ada', room: 'keyed', permission: 'write', expiresInSeconds: 60 }, privateKey(privatePem))
    const c = connectClient(server.wsUrl, 'keyed', { params: { token: signed } })
    clients.push(c)
    await synced(c)
    expect(c.provider.wsconnected).toBe(true)
  })

  it('with an HS256 token "signed" with the public key text is refused (no algorithm confusion)', async () => {
    const forged = await new SignJWT({ room: 'keyed', permission: 'write', name: 'Eve' }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('eve').setExpirationTime('1h').sign(new TextEncoder().encode(publicPem))
    const raw = await rawSocket(server.wsUrl, 'keyed', { token: forged })
    const closed = await raw.closed
    expect(closed.code).toBe(4401)
    expect(closed.reason).toMatch(/algorithm HS256 is not accepted/)
    expect(raw.messages).toHaveLength(0)
  })
})

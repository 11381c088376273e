/**
 * An editor embedded in another site (the standalone script on app.example.com, the server on its own host)
 * uploads pictures with a bearer token: the browser asks the server first (a CORS preflight) and sends the
 * upload only if the answer allows that origin and the Authorization header.
 */
import { expect } from 'vitest'
import { testWithServer, type TestServer } from './helpers.js'

const anyOrigin = testWithServer()
const listedOrigins = testWithServer({ allowedOrigins: ['https://app.example.com'] })

const preflight = (s: TestServer, origin: string) => fetch(`${s.url}/api/rooms/notes/files`, {
  method: 'OPTIONS',
  headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
})

anyOrigin('allows any origin to send its token to the API when ALLOWED_ORIGINS is not set', async ({ server }) => {
  const answer = await preflight(server, 'https://app.example.com')
  expect(answer.status).toBe(204)
  expect(answer.headers.get('access-control-allow-origin')).toBe('*')
  expect(answer.headers.get('access-control-allow-methods')).toContain('POST')
  expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
  // The upload itself is answered with the header too, so the page can read its {"url"}.
  const upload = await fetch(`${server.url}/api/rooms/notes/files`, { method: 'POST', headers: { Origin: 'https://app.example.com' }, body: new Uint8Array([1, 2, 3]) })
  expect(upload.status).toBe(415)
  expect(upload.headers.get('access-control-allow-origin')).toBe('*')
})

listedOrigins('allows only the listed origins when ALLOWED_ORIGINS is set', async ({ server }) => {
  const listed = await preflight(server, 'https://app.example.com')
  expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
  const other = await preflight(server, 'https://evil.example')
  expect(other.headers.get('access-control-allow-origin')).toBeNull()
})

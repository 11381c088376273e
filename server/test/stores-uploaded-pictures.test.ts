import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import { databaseFile } from '../src/server.js'
import { startServer, type TestServer } from './helpers.js'
import { gif, html, jpeg, pdf, png, sha256, svg, webp } from './pictures.js'
import { adminQuery, createTestDatabase, probeScaleOutServices, type TestDatabase } from './scale-services.js'

const postgres = await probeScaleOutServices('stores-uploaded-pictures (PostgreSQL)', false)

const upload = (s: TestServer, room: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/api/rooms/${encodeURIComponent(room)}/files`, { method: 'POST', body, headers })

async function expectError(response: Response, status: number, message: string) {
  expect(response.status).toBe(status)
  expect(await response.json()).toEqual({ status, message })
}

interface Backend {
  name: string
  isAvailable: boolean
  /** Settings that put the server's storage in this backend. */
  settings(): Partial<Config>
  /** How many files (not links) the backend holds. */
  storedFiles(server: TestServer): Promise<number>
}

let database: TestDatabase | undefined
const backends: Backend[] = [
  {
    name: 'SQLite',
    isAvailable: true,
    settings: () => ({}),
    storedFiles: async (server) => {
      const rows = new Database(databaseFile(server.dataDir), { readonly: true })
      try {
        return (rows.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n
      } finally {
        rows.close()
      }
    },
  },
  {
    name: 'PostgreSQL',
    isAvailable: postgres.isAvailable,
    settings: () => ({ databaseUrl: database!.url }),
    storedFiles: async () => Number((await adminQuery('SELECT count(*) AS n FROM ortak_files', [], database!.name)).rows[0].n),
  },
]

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe.each(backends)('pictures uploaded to a room, stored in $name', (backend) => {
  // Each test on an empty database, as each has its own SQLite folder: the tests count what is stored.
  beforeEach(async () => {
    if (backend.name === 'PostgreSQL' && backend.isAvailable) database = await createTestDatabase()
  })
  afterEach(async () => {
    await server?.close()
    server = undefined
    await database?.drop()
    database = undefined
  })
  const start = () => startServer(backend.settings())

  it.skipIf(!backend.isAvailable)('are stored and served back byte for byte with their type, immutable cache headers, an ETag, nosniff and a CSP', async () => {
    server = await start()
    for (const [bytes, type] of [[png, 'image/png'], [jpeg, 'image/jpeg'], [gif, 'image/gif'], [webp, 'image/webp']] as const) {
      const response = await upload(server, 'gallery', bytes)
      expect(response.status, type).toBe(201)
      const url = `/api/rooms/gallery/files/${sha256(bytes)}`
      expect(await response.json()).toEqual({ url, type, size: bytes.byteLength })
      expect(response.headers.get('location')).toBe(url)
      const served = await fetch(`${server.url}${url}`)
      expect(served.status).toBe(200)
      expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(bytes)), type).toBe(true)
      expect(Object.fromEntries(['content-type', 'cache-control', 'etag', 'x-content-type-options', 'content-security-policy']
        .map((name) => [name, served.headers.get(name)]))).toEqual({
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
        etag: `"${sha256(bytes)}"`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
      })
      const revalidated = await fetch(`${server.url}${url}`, { headers: { 'If-None-Match': `"${sha256(bytes)}"` } })
      expect(revalidated.status).toBe(304)
      expect(await revalidated.text()).toBe('')
    }
    // Room names are written into the address as they are into a WebSocket's: encoded.
    const spaced = await (await upload(server, 'team notes #2 ünlü', png)).json() as { url: string }
    expect(spaced.url).toBe(`/api/rooms/team%20notes%20%232%20%C3%BCnl%C3%BC/files/${sha256(png)}`)
    expect((await fetch(`${server.url}${spaced.url}`)).status).toBe(200)
  })

  it.skipIf(!backend.isAvailable)('are typed by their bytes alone: a PNG named .jpg is stored as PNG; HTML, SVG and other files are refused with 415', async () => {
    server = await start()
    const disguised = await upload(server, 'typed', png, { 'Content-Type': 'image/jpeg', 'Content-Disposition': 'attachment; filename="photo.jpg"' })
    expect(disguised.status).toBe(201)
    const { url, type } = await disguised.json() as { url: string; type: string }
    expect(type).toBe('image/png')
    expect((await fetch(`${server.url}${url}`)).headers.get('content-type')).toBe('image/png')

    const before = await backend.storedFiles(server)
    await expectError(await upload(server, 'typed', html, { 'Content-Type': 'image/png', 'Content-Disposition': 'attachment; filename="avatar.png"' }),
      415, 'the file is of no type Ortak recognises from its bytes: upload a PNG, JPEG, GIF or WebP image')
    await expectError(await upload(server, 'typed', svg, { 'Content-Type': 'image/svg+xml' }),
      415, 'SVG images are refused, as an SVG can carry script: upload a PNG, JPEG, GIF or WebP image')
    await expectError(await upload(server, 'typed', svg.subarray(svg.indexOf(0x0a) + 1), { 'Content-Type': 'image/png' }),
      415, 'SVG images are refused, as an SVG can carry script: upload a PNG, JPEG, GIF or WebP image')
    await expectError(await upload(server, 'typed', pdf, { 'Content-Type': 'image/png' }),
      415, 'the file is application/pdf: upload a PNG, JPEG, GIF or WebP image')
    await expectError(await upload(server, 'typed', new Uint8Array(0)), 400, "body is empty: send the file's bytes")
    expect(await backend.storedFiles(server)).toBe(before)
  })

  it.skipIf(!backend.isAvailable)('are stored once however often and wherever they are uploaded, and only a room holding one can read it', async () => {
    server = await start()
    const before = await backend.storedFiles(server)
    const first = await (await upload(server, 'minutes', jpeg)).json() as { url: string }
    const again = await (await upload(server, 'minutes', jpeg)).json() as { url: string }
    const elsewhere = await (await upload(server, 'report', jpeg)).json() as { url: string }
    expect(again.url).toBe(first.url)
    expect(elsewhere.url).toBe(`/api/rooms/report/files/${sha256(jpeg)}`)
    expect(await backend.storedFiles(server)).toBe(before + 1)
    await expectError(await fetch(`${server.url}/api/rooms/strangers/files/${sha256(jpeg)}`), 404, `room "strangers" holds no file ${sha256(jpeg)}`)
    await expectError(await fetch(`${server.url}/api/rooms/minutes/files/not-a-hash`), 400,
      '"not-a-hash" is not a file\'s name: files are named by the 64 hex digits of their SHA-256')
    await expectError(await fetch(`${server.url}/api/rooms/minutes/files`), 405, 'GET is not supported here; use POST')

    // They outlive the server process.
    const settings = { ...backend.settings(), dataDir: server.dataDir }
    await server.close()
    server = await startServer(settings)
    const served = await fetch(`${server.url}${first.url}`)
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(jpeg))).toBe(true)
  })

  it.skipIf(!backend.isAvailable)('are deleted with their room, but for those another room holds', async () => {
    server = await start()
    const before = await backend.storedFiles(server)
    const put = await fetch(`${server.url}/api/rooms/holiday`, { method: 'PUT', body: 'photos', headers: { 'Content-Type': 'text/markdown' } })
    expect(put.status).toBe(201)
    const shared = await (await upload(server, 'holiday', gif)).json() as { url: string }
    const own = await (await upload(server, 'holiday', webp)).json() as { url: string }
    await upload(server, 'holiday-album', gif)
    expect(await backend.storedFiles(server)).toBe(before + 2)
    expect((await fetch(`${server.url}/api/rooms/holiday`, { method: 'DELETE' })).status).toBe(200)
    expect((await fetch(`${server.url}${shared.url}`)).status).toBe(404)
    expect((await fetch(`${server.url}${own.url}`)).status).toBe(404)
    expect(await backend.storedFiles(server)).toBe(before + 1)
    expect((await fetch(`${server.url}/api/rooms/holiday-album/files/${sha256(gif)}`)).status).toBe(200)
    // A room holding files and no document is a room to delete all the same.
    const onlyFiles = await fetch(`${server.url}/api/rooms/holiday-album`, { method: 'DELETE' })
    expect(onlyFiles.status).toBe(200)
    expect(await backend.storedFiles(server)).toBe(before)
    await expectError(await fetch(`${server.url}/api/rooms/holiday-album`, { method: 'DELETE' }), 404, 'no room "holiday-album" to delete')
  })
})

describe('the upload size limit (MAX_UPLOAD_BYTES)', () => {
  const limit = 4096

  it('takes a file of exactly the limit, and answers 413 for one byte more', async () => {
    server = await startServer({ maxUploadBytes: limit })
    const exact = new Uint8Array(limit)
    // A PNG with bytes after its end is still a PNG: padding makes a picture of any size.
    exact.set(png)
    expect((await upload(server, 'sized', exact)).status).toBe(201)
    const over = new Uint8Array(limit + 1)
    over.set(png)
    await expectError(await upload(server, 'sized', over), 413, `file exceeds MAX_UPLOAD_BYTES (${limit} bytes)`)
  })

  it('answers 413 for a streamed body once it passes the limit, without reading the rest', async () => {
    server = await startServer({ maxUploadBytes: limit })
    const chunk = new Uint8Array(1024)
    const totalChunks = 16 * 1024
    let sent = 0
    // No Content-Length: the body arrives in chunks, as a client streaming a file sends it.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === totalChunks) return controller.close()
        sent++
        controller.enqueue(sent === 1 ? png : chunk)
      },
    })
    const response = await fetch(`${server.url}/api/rooms/streamed/files`, { method: 'POST', body, duplex: 'half' } as RequestInit)
    await expectError(response, 413, `file exceeds MAX_UPLOAD_BYTES (${limit} bytes)`)
    // The answer came before the client had sent its 16 MiB: the server did not wait for the rest. (What was
    // sent before it is no measure of what the server read: the two sockets' buffers on 127.0.0.1 take several
    // MiB, and more of them fill the later a loaded machine runs the server; a CI run once counted 4 MiB.)
    expect(sent).toBeLessThan(totalChunks)
    expect(await fetch(`${server.url}/api/rooms/streamed/files/${sha256(png)}`).then((r) => r.status)).toBe(404)
  })
})

describe('the limit of a room\'s files (MAX_ROOM_FILE_BYTES)', () => {
  it('answers 413 for an upload that would take the room past it, stores nothing of it, and keeps what the room held', async () => {
    server = await startServer({ maxRoomFileBytes: png.byteLength + gif.byteLength })
    expect((await upload(server, 'full', png)).status).toBe(201)
    expect((await upload(server, 'full', gif)).status).toBe(201)
    // Held already: taken again, as a paste of the same picture is.
    expect((await upload(server, 'full', png)).status).toBe(201)
    await expectError(await upload(server, 'full', webp), 413,
      `room "full" holds ${png.byteLength + gif.byteLength} bytes of files; this one (${webp.byteLength} bytes) would take it past MAX_ROOM_FILE_BYTES (${png.byteLength + gif.byteLength} bytes)`)
    expect((await fetch(`${server.url}/api/rooms/full/files/${sha256(webp)}`)).status).toBe(404)
    for (const bytes of [png, gif]) expect((await fetch(`${server.url}/api/rooms/full/files/${sha256(bytes)}`)).status).toBe(200)
    // Another room holds files of its own, counted against its own limit.
    expect((await upload(server, 'roomy', gif)).status).toBe(201)
  })
})

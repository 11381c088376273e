import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { databaseFile } from '../src/server.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { tiptapDocument } from '../../packages/schema/test/foreign-documents.js'
import { connectClient, startServer, synced, tempDir, waitFor, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const markdown = '# Notes\n\nSome *emphasis*, **strength**, `code` and a [link](https://example.com).\n\n* one\n* two\n'

async function seed(s: TestServer, room: string, body = markdown) {
  const response = await fetch(`${s.url}/api/rooms/${encodeURIComponent(room)}`, {
    method: 'PUT', headers: { 'Content-Type': 'text/markdown' }, body,
  })
  expect(response.status).toBe(201)
}

describe('GET /api/rooms/:room', () => {
  it('exports a stored document as markdown, HTML, text, ProseMirror JSON and a Yjs update', async () => {
    server = await startServer()
    await seed(server, 'notes')
    const get = (format: string) => fetch(`${server!.url}/api/rooms/notes?format=${format}`)

    const md = await get('markdown')
    expect(md.status).toBe(200)
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(await md.text()).toBe(markdown.trimEnd())

    const html = await (await get('html')).text()
    expect(html).toContain('<h1>Notes</h1>')
    expect(html).toContain('<em>emphasis</em>')
    expect(html).toContain('<ul><li><p>one</p></li><li><p>two</p></li></ul>')

    expect(await (await get('text')).text()).toBe('Notes\nSome emphasis, strength, code and a link.\none\ntwo')

    const json = await (await get('json')).json() as { type: string; content: Array<{ type: string }> }
    expect(json.type).toBe('doc')
    expect(json.content.map((block) => block.type)).toEqual(['heading', 'paragraph', 'bullet_list'])

    const yjs = await get('yjs')
    expect(yjs.headers.get('content-type')).toBe('application/octet-stream')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, new Uint8Array(await yjs.arrayBuffer()))
    expect(doc.getXmlFragment('prosemirror').toString()).toContain('<heading level="1">Notes</heading>')
  })

  it('exports what an editor wrote over WebSocket, once it is stored', async () => {
    server = await startServer()
    const client = connectClient(server.wsUrl, 'typed')
    await synced(client)
    const fragment = client.doc.getXmlFragment('prosemirror')
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('typed in an editor')])
    fragment.insert(0, [paragraph])
    await waitFor('the export to show the edit', async () =>
      (await (await fetch(`${server!.url}/api/rooms/typed?format=markdown`)).text()) === 'typed in an editor')
    client.destroy()
  })

  it('answers 422 naming what it cannot render, rather than 200 with less, for a document another editor wrote; yjs stays whole', async () => {
    // Written by Tiptap through the stock provider before the server refused such updates: straight into storage.
    const tiptap = tiptapDocument()
    const dataDir = tempDir()
    const storage = new SqliteStorage({ file: databaseFile(dataDir) })
    await storage.append([{ room: 'tiptap', update: Y.encodeStateAsUpdate(tiptap), generation: 0 }])
    await storage.close()
    server = await startServer({ dataDir })

    for (const format of ['json', 'html', 'markdown', 'text']) {
      const response = await fetch(`${server.url}/api/rooms/tiptap?format=${format}`)
      expect(response.status, format).toBe(422)
      expect(await response.json()).toEqual({
        status: 422,
        message: `cannot export as ${format}: the document holds content its schema does not know: mark "bold"; the yjs format exports all of it`,
      })
    }
    const yjs = await fetch(`${server.url}/api/rooms/tiptap?format=yjs`)
    expect(yjs.status).toBe(200)
    const exported = new Y.Doc()
    Y.applyUpdate(exported, new Uint8Array(await yjs.arrayBuffer()))
    expect(exported.getXmlFragment('prosemirror').toString()).toBe(tiptap.getXmlFragment('prosemirror').toString())

    // Seeding would delete it as well (a replacement may, on purpose).
    const seeded = await fetch(`${server.url}/api/rooms/tiptap`, { method: 'PUT', headers: { 'Content-Type': 'text/markdown' }, body: 'mine' })
    expect(seeded.status).toBe(409)
    expect((await seeded.json()).message).toBe('room "tiptap" holds content its schema does not know (mark "bold"): seeding would delete it; use ?mode=replace to overwrite it')
    const afterSeeding = new Y.Doc()
    Y.applyUpdate(afterSeeding, new Uint8Array(await (await fetch(`${server.url}/api/rooms/tiptap?format=yjs`)).arrayBuffer()))
    expect(Y.encodeStateVector(afterSeeding)).toEqual(Y.encodeStateVector(tiptap))
  })

  it('answers 422 for a room whose content is only in other shared types, and exports a document beside them', async () => {
    server = await startServer()
    const post = (room: string, build: (doc: Y.Doc) => void) => {
      const doc = new Y.Doc()
      build(doc)
      return fetch(`${server!.url}/api/rooms/${room}/updates`, {
        method: 'POST', body: new Uint8Array(Y.encodeStateAsUpdate(doc)), headers: { 'Content-Type': 'application/octet-stream' },
      })
    }
    expect((await post('other-app', (doc) => {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText('in the default fragment')])
      doc.getXmlFragment('default').insert(0, [paragraph])
      doc.getMap('settings').set('theme', 'dark')
    })).status).toBe(200)
    const response = await fetch(`${server.url}/api/rooms/other-app?format=markdown`)
    expect(response.status).toBe(422)
    expect(await response.json()).toEqual({
      status: 422,
      message: 'cannot export as markdown: the document is empty, and the room holds other shared types: "default", "settings"; the yjs format exports all of it',
    })

    await seed(server, 'annotated', 'A document.')
    expect((await post('annotated', (doc) => doc.getMap('comments').set('c1', 'nice'))).status).toBe(200)
    const beside = await fetch(`${server.url}/api/rooms/annotated?format=markdown`)
    expect(beside.status).toBe(200)
    expect(await beside.text()).toBe('A document.')
  })

  it('answers 404 for a room with nothing stored and 400 for an unknown format or a bad room name', async () => {
    server = await startServer()
    const missing = await fetch(`${server.url}/api/rooms/nowhere`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ status: 404, message: 'no document is stored for room "nowhere"' })

    await seed(server, 'notes')
    const badFormat = await fetch(`${server.url}/api/rooms/notes?format=docx`)
    expect(badFormat.status).toBe(400)
    expect(await badFormat.json()).toEqual({ status: 400, message: 'unknown format "docx": use one of json, html, markdown, text, yjs' })

    const badName = await fetch(`${server.url}/api/rooms/%E0%A4%A`)
    expect(badName.status).toBe(400)
    expect((await badName.json()).message).toBe('room name is not valid percent-encoding')
    const controlChars = await fetch(`${server.url}/api/rooms/a%00b`)
    expect(controlChars.status).toBe(400)
    expect((await controlChars.json()).message).toBe('room name contains control characters')
  })

  it('answers unknown routes and methods with JSON errors', async () => {
    server = await startServer()
    const patch = await fetch(`${server.url}/api/rooms/notes`, { method: 'PATCH' })
    expect(patch.status).toBe(405)
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE')
    expect((await patch.json()).message).toBe('PATCH is not supported here; use GET, PUT, DELETE')
    const getUpdates = await fetch(`${server.url}/api/rooms/notes/updates`)
    expect(getUpdates.status).toBe(405)
    expect(getUpdates.headers.get('allow')).toBe('POST')
    const empty = await fetch(`${server.url}/api/rooms/`)
    expect(empty.status).toBe(400)
    expect(await empty.json()).toEqual({ status: 400, message: 'room name is empty: use /api/rooms/<room>' })
    const unknown = await fetch(`${server.url}/api/nothing`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ status: 404, message: 'no API route for GET /api/nothing' })
  })
})

describe('GET /api/rooms', () => {
  it('lists stored rooms with size, last change and connected clients, a page at a time', async () => {
    server = await startServer()
    const before = Date.now()
    for (const room of ['c', 'a', 'b']) await seed(server, room)
    const client = connectClient(server.wsUrl, 'b')
    await synced(client)

    const first = await (await fetch(`${server.url}/api/rooms?limit=2`)).json() as { rooms: Array<Record<string, unknown>>; next: string | null }
    expect(first.rooms.map((r) => r.name)).toEqual(['a', 'b'])
    expect(first.next).toBe('b')
    const b = first.rooms[1]!
    expect(b.clients).toBe(1)
    expect(b.bytes).toBeGreaterThan(0)
    expect(b.updates).toBe(1)
    expect(Date.parse(b.updatedAt as string)).toBeGreaterThanOrEqual(before - 1000)

    const second = await (await fetch(`${server.url}/api/rooms?limit=2&after=b`)).json() as typeof first
    expect(second.rooms.map((r) => r.name)).toEqual(['c'])
    expect(second.rooms[0]!.clients).toBe(0)
    expect(second.next).toBeNull()

    for (const limit of ['0', '1001', 'ten', '-1']) {
      const bad = await fetch(`${server.url}/api/rooms?limit=${limit}`)
      expect(bad.status).toBe(400)
      expect(await bad.json()).toEqual({ status: 400, message: `limit must be a whole number from 1 to 1000, got "${limit}"` })
    }
    client.destroy()
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const put = (s: TestServer, room: string, body: string, contentType: string | null, query = '') =>
  fetch(`${s.url}/api/rooms/${encodeURIComponent(room)}${query}`, {
    // A Blob without a type sends no Content-Type at all (a string body would send text/plain).
    method: 'PUT', body: contentType ? body : new Blob([body]), headers: contentType ? { 'Content-Type': contentType } : {},
  })
const exportAs = async (s: TestServer, room: string, format: string) =>
  (await fetch(`${s.url}/api/rooms/${encodeURIComponent(room)}?format=${format}`)).text()

describe('PUT /api/rooms/:room', () => {
  it('seeds an empty room from markdown, HTML or ProseMirror JSON, chosen by Content-Type', async () => {
    server = await startServer()
    const fromMarkdown = await put(server, 'md', '## Plan\n\n1. first\n2. *second*\n', 'text/markdown; charset=utf-8')
    expect(fromMarkdown.status).toBe(201)
    expect(await fromMarkdown.json()).toMatchObject({ room: 'md', mode: 'seed', changed: true })
    expect(await exportAs(server, 'md', 'markdown')).toBe('## Plan\n\n1. first\n2. *second*')

    const fromHtml = await put(server, 'html', '<h1>Title</h1><p>Body <strong>bold</strong><script>alert(1)</script></p><img src="x" onerror="alert(1)">', 'text/html')
    expect(fromHtml.status).toBe(201)
    // The script and the handler are gone; the picture (a relative address) is kept.
    expect(await exportAs(server, 'html', 'html')).toBe('<h1>Title</h1><p>Body <strong>bold</strong></p><p><img src="x"></p>')

    const doc = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'from JSON', marks: [{ type: 'em' }] }] }] }
    const fromJson = await put(server, 'json', JSON.stringify(doc), 'application/json')
    expect(fromJson.status).toBe(201)
    expect(JSON.parse(await exportAs(server, 'json', 'json'))).toEqual(doc)
  })

  it('imports GFM tables, task lists and images by address from markdown, and tables, images and tasks from HTML', async () => {
    server = await startServer()
    const markdown = '# Plan\n\n| Who | What |\n| --- | --- |\n| Ada | ![engine](https://example.com/engine.png) |\n\n- [x] design\n- [ ] build'
    expect((await put(server, 'md', markdown, 'text/markdown')).status).toBe(201)
    expect(await exportAs(server, 'md', 'markdown')).toBe(markdown)
    expect(await exportAs(server, 'md', 'html')).toBe('<h1>Plan</h1><table><tbody><tr><th><p>Who</p></th><th><p>What</p></th></tr>'
      + '<tr><td><p>Ada</p></td><td><p><img src="https://example.com/engine.png" alt="engine"></p></td></tr></tbody></table>'
      + '<ul><li data-checked="true"><input type="checkbox" disabled="" checked=""><p>design</p></li>'
      + '<li data-checked="false"><input type="checkbox" disabled=""><p>build</p></li></ul>')

    const html = '<table><tr><td colspan="2">merged</td></tr><tr><td>a</td><td><img src="/api/rooms/html/files/ab" width="64"></td></tr></table>'
      + '<ul><li role="checkbox" aria-checked="true">called</li></ul>'
    expect((await put(server, 'html', html, 'text/html')).status).toBe(201)
    // Merged cells: the table goes into the markdown as HTML; the picture's width has no markdown and stays in the HTML.
    expect(await exportAs(server, 'html', 'markdown')).toBe('<table><tbody><tr><td colspan="2"><p>merged</p></td></tr>'
      + '<tr><td><p>a</p></td><td><p><img src="/api/rooms/html/files/ab" width="64"></p></td></tr></tbody></table>\n\n- [x] called')
    expect(await exportAs(server, 'html', 'text')).toBe('merged\na\n\ncalled')
  })

  it('answers 409 when seeding a document that already has content, and changes nothing', async () => {
    server = await startServer()
    expect((await put(server, 'notes', 'first text', 'text/markdown')).status).toBe(201)
    const again = await put(server, 'notes', 'second text', 'text/markdown')
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({
      status: 409,
      message: 'room "notes" already has content: seeding it would duplicate it; use ?mode=replace to overwrite it',
    })
    expect(await exportAs(server, 'notes', 'markdown')).toBe('first text')
  })

  it('seeds a room an editor opened but left blank (one empty paragraph) without duplicating it', async () => {
    server = await startServer()
    const client = connectClient(server.wsUrl, 'blank')
    await synced(client)
    client.doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    await waitFor('the blank paragraph to be stored', async () => (await fetch(`${server!.url}/api/rooms/blank`)).status === 200)
    expect((await put(server, 'blank', 'seeded', 'text/markdown')).status).toBe(201)
    expect(await exportAs(server, 'blank', 'json')).toBe('{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"seeded"}]}]}\n')
    client.destroy()
  })

  it('replaces the content with ?mode=replace, keeping nothing of the old text', async () => {
    server = await startServer()
    await put(server, 'notes', '# Old\n\nkept paragraph\n\nold ending', 'text/markdown')
    const replaced = await put(server, 'notes', '# New\n\nkept paragraph\n\nnew ending', 'text/markdown', '?mode=replace')
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toMatchObject({ room: 'notes', mode: 'replace', changed: true })
    expect(await exportAs(server, 'notes', 'markdown')).toBe('# New\n\nkept paragraph\n\nnew ending')

    const same = await put(server, 'notes', '# New\n\nkept paragraph\n\nnew ending', 'text/markdown', '?mode=replace')
    expect(await same.json()).toEqual({ room: 'notes', mode: 'replace', changed: false, updateBytes: 0 })
  })

  it('answers bad bodies, content types and modes with a status and a message', async () => {
    server = await startServer({ maxPayloadBytes: 4096 })
    const cases: Array<[Response, number, string]> = [
      [await put(server, 'r', 'text', null), 415, 'Content-Type must be text/markdown, text/html or application/json (ProseMirror JSON), got none'],
      [await put(server, 'r', 'text', 'text/plain'), 415, 'Content-Type must be text/markdown, text/html or application/json (ProseMirror JSON), got text/plain'],
      [await put(server, 'r', '{"type": "doc"', 'application/json'), 400, 'body is not valid JSON'],
      [await put(server, 'r', '[1, 2]', 'application/json'), 400, 'expected ProseMirror JSON of a whole document: an object with "type": "doc"'],
      [await put(server, 'r', '{"type":"doc","content":[{"type":"figure"}]}', 'application/json'), 400, 'document does not fit the Ortak schema: Unknown node type: figure'],
      [await put(server, 'r', '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"image","attrs":{"src":"javascript:alert(1)"}}]}]}', 'application/json'), 400,
        'document does not fit the Ortak schema: image src must be an http(s) or relative address, got "javascript:alert(1)"'],
      [await put(server, 'r', '{"type":"doc","content":[{"type":"text","text":"loose"}]}', 'application/json'), 400, 'document does not fit the Ortak schema: Invalid content for node doc'],
      [await put(server, 'r', '{"type":"doc","content":[{"type":"heading","attrs":{"level":9}}]}', 'application/json'), 400, 'document does not fit the Ortak schema: heading level must be 1, 2 or 3, got 9'],
      [await put(server, 'r', 'x', 'text/markdown', '?mode=append'), 400, 'unknown mode "append": leave it out to seed an empty document, or use mode=replace'],
      [await put(server, 'r', 'x'.repeat(5000), 'text/markdown'), 413, 'request body exceeds 4096 bytes'],
    ]
    for (const [response, status, message] of cases) {
      const body = await response.json() as { status: number; message: string }
      expect(response.status).toBe(status)
      expect(body.status).toBe(status)
      expect(body.message.startsWith(message), `"${body.message}" starts with "${message}"`).toBe(true)
    }
    expect((await fetch(`${server.url}/api/rooms`)).status).toBe(200)
    expect(await (await fetch(`${server.url}/api/rooms`)).json()).toEqual({ rooms: [], next: null })
  })
})

describe('POST /api/rooms/:room/updates', () => {
  const updateFrom = (build: (doc: Y.Doc) => void, base?: Uint8Array) => {
    const doc = new Y.Doc()
    if (base) Y.applyUpdate(doc, base)
    const before = Y.encodeStateVector(doc)
    build(doc)
    return Y.encodeStateAsUpdate(doc, before)
  }
  const post = (s: TestServer, room: string, body: Uint8Array | string, contentType = 'application/octet-stream') =>
    fetch(`${s.url}/api/rooms/${room}/updates`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'Content-Type': contentType } })

  it('applies a binary Yjs update, stores it and sends it to connected clients', async () => {
    server = await startServer()
    const client = connectClient(server.wsUrl, 'shared')
    await synced(client)
    const update = updateFrom((doc) => doc.getMap('settings').set('theme', 'dark'))
    const response = await post(server, 'shared', update)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ room: 'shared', updateBytes: update.byteLength })
    await waitFor('the client to receive the update', () => client.doc.getMap('settings').get('theme') === 'dark')
    const stored = new Y.Doc()
    Y.applyUpdate(stored, new Uint8Array(await (await fetch(`${server.url}/api/rooms/shared?format=yjs`)).arrayBuffer()))
    expect(stored.getMap('settings').get('theme')).toBe('dark')
    client.destroy()
  })

  it('refuses malformed updates, empty bodies and other content types without changing the room', async () => {
    server = await startServer({ maxPayloadBytes: 4096 })
    const malformed = await post(server, 'r', new Uint8Array([1, 5, 200]))
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).message).toMatch(/^update could not be decoded: /)
    const empty = await post(server, 'r', new Uint8Array())
    expect(await empty.json()).toEqual({ status: 400, message: 'body is empty: send a Yjs update (encoding v1)' })
    const text = await post(server, 'r', 'hello', 'text/plain')
    expect(await text.json()).toEqual({ status: 415, message: 'Content-Type must be application/octet-stream (a binary Yjs update), got text/plain' })
    const tooBig = await post(server, 'r', new Uint8Array(5000))
    expect(tooBig.status).toBe(413)
    expect((await fetch(`${server.url}/api/rooms/r`)).status).toBe(404)
  })

  it('answers 413 for an update that takes the document past its size limit', async () => {
    server = await startServer({ maxDocumentBytes: 200 } as never)
    const update = updateFrom((doc) => doc.getText('t').insert(0, 'x'.repeat(300)))
    const response = await post(server, 'r', update)
    expect(response.status).toBe(413)
    expect((await response.json()).message).toBe('document size limit: this update would take it past 200 bytes')
    expect((await fetch(`${server.url}/api/rooms/r`)).status).toBe(404)
  })
})

describe('DELETE /api/rooms/:room', () => {
  it('removes the room from storage and closes its clients with 4410 and a reason', async () => {
    server = await startServer()
    await put(server, 'doomed', 'bye', 'text/markdown')
    const client = connectClient(server.wsUrl, 'doomed')
    await synced(client)
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.provider.once('connection-close', (event: CloseEvent | null) => resolve({ code: event!.code, reason: event!.reason })))
    const response = await fetch(`${server.url}/api/rooms/doomed`, { method: 'DELETE' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ room: 'doomed', deleted: true, closedConnections: 1 })
    expect(await closed).toEqual({ code: 4410, reason: 'room deleted: its document no longer exists' })
    expect((await fetch(`${server.url}/api/rooms/doomed`)).status).toBe(404)
    expect((await (await fetch(`${server.url}/api/rooms`)).json()).rooms).toEqual([])
    // 4410 is in the range the provider does not reconnect from, so it cannot store its copy again.
    await new Promise((r) => setTimeout(r, 500))
    expect(client.provider.wsconnected).toBe(false)
    expect((await fetch(`${server.url}/api/rooms/doomed`)).status).toBe(404)
    client.destroy()
  })

  it('answers 404 for a room that does not exist', async () => {
    server = await startServer()
    const response = await fetch(`${server.url}/api/rooms/ghost`, { method: 'DELETE' })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ status: 404, message: 'no room "ghost" to delete' })
  })
})

describe('storage trouble', () => {
  it('answers 503 with the storage problem when the storage fails', async () => {
    server = await startServer()
    await put(server, 'kept', 'stored before the failure', 'text/markdown')
    await server.server.storage.close()
    const write = await put(server, 'new', 'text', 'text/markdown')
    expect(write.status).toBe(503)
    expect(write.headers.get('retry-after')).toBe('5')
    expect((await write.json()).message).toMatch(/^storage failed: SQLite load of room "new" failed: /)
    const read = await fetch(`${server.url}/api/rooms/kept`)
    expect(read.status).toBe(503)
    expect((await read.json()).message).toMatch(/^storage failed: SQLite load of room "kept" failed: /)
  })

  it('refuses to open a room while it is being deleted, so nothing of it comes back', async () => {
    server = await startServer()
    await put(server, 'going', 'bye', 'text/markdown')
    const { registry } = server.server
    const deleted = registry.deleteRoom('going')
    // While the deletion runs, neither the API nor a new WebSocket may load the old document.
    const refusal = registry.refusalFor('going')
    const opening = registry.withRoom('going', () => 'loaded')
    expect(refusal).toEqual({ code: 1013, reason: 'room is being deleted; try again' })
    await expect(opening).rejects.toThrow('room "going" is being deleted; try again')
    expect(await deleted).toBe(0)
    expect(registry.refusalFor('going')).toBeNull()
    expect((await fetch(`${server.url}/api/rooms/going`)).status).toBe(404)
  })
})

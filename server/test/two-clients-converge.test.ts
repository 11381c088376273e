import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'

describe('two y-websocket clients in one room', () => {
  let server: TestServer
  const clients: TestClient[] = []
  const client = (room: string) => {
    const c = connectClient(server.wsUrl, room)
    clients.push(c)
    return c
  }

  beforeEach(async () => {
    server = await startServer()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await server.close()
  })

  it('converge on a Y.Text edited by both', async () => {
    const a = client('text-room')
    const b = client('text-room')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world ')
    await waitFor('both texts equal and complete', () =>
      a.doc.getText('t').toString() === b.doc.getText('t').toString() && a.doc.getText('t').length === 12)
    expect(a.doc.getText('t').toString()).toMatch(/hello |world /)
  })

  it('converge on a Y.XmlFragment (the shape y-prosemirror uses)', async () => {
    const a = client('xml-room')
    const b = client('xml-room')
    await Promise.all([synced(a), synced(b)])
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('typed in A')])
    a.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
    const heading = new Y.XmlElement('heading')
    heading.setAttribute('level', '1')
    b.doc.getXmlFragment('prosemirror').insert(0, [heading])
    await waitFor('fragments equal', () =>
      a.doc.getXmlFragment('prosemirror').toString() === b.doc.getXmlFragment('prosemirror').toString()
      && a.doc.getXmlFragment('prosemirror').length === 2)
    expect(b.doc.getXmlFragment('prosemirror').toString()).toContain('<paragraph>typed in A</paragraph>')
    expect(a.doc.getXmlFragment('prosemirror').toString()).toContain('<heading level="1"></heading>')
  })

  it('give a late joiner the whole document', async () => {
    const a = client('late-room')
    await synced(a)
    a.doc.getText('t').insert(0, 'written before anyone else came')
    a.doc.getMap('m').set('key', 'value')
    await waitFor('the write is stored', () => !server.server.registry.get('late-room')!.hasUnstoredWrites)
    const late = client('late-room')
    await synced(late)
    expect(late.doc.getText('t').toString()).toBe('written before anyone else came')
    expect(late.doc.getMap('m').get('key')).toBe('value')
  })

  it('see each other’s awareness, and its removal within a second of a close', async () => {
    const a = client('awareness-room')
    const b = client('awareness-room')
    await Promise.all([synced(a), synced(b)])
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor('B sees Ada', () =>
      [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada'))
    const aId = a.doc.clientID
    a.provider.destroy()
    const closedAt = Date.now()
    await waitFor('B sees Ada leave', () => !b.provider.awareness.getStates().has(aId), 1_000)
    expect(Date.now() - closedAt).toBeLessThan(1_000)
  })

  it('echo awareness to its sender so a lone client keeps hearing the server', async () => {
    const a = client('echo-room')
    await synced(a)
    let heard = 0
    a.provider.ws!.addEventListener('message', (event: MessageEvent) => {
      const bytes = new Uint8Array(event.data as ArrayBuffer)
      if (bytes[0] === 1) heard++
    })
    a.provider.awareness.setLocalStateField('cursor', 1)
    await waitFor('its own awareness update comes back', () => heard > 0)
    expect(heard).toBeGreaterThan(0)
  })

  it('answer query-awareness with everyone’s state', async () => {
    const a = client('query-room')
    const b = client('query-room')
    await Promise.all([synced(a), synced(b)])
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    b.provider.awareness.setLocalStateField('user', { name: 'Bo' })
    await waitFor('B sees Ada', () => [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada'))
    await waitFor('the server holds both states', () => server.server.registry.get('query-room')!.awareness.getStates().size === 2)
    const replies: Uint8Array[] = []
    b.provider.ws!.addEventListener('message', (event: MessageEvent) => replies.push(new Uint8Array(event.data as ArrayBuffer)))
    b.provider.ws!.send(new Uint8Array([3]))
    await waitFor('an awareness reply', () => replies.some((r) => r[0] === 1))
    const reply = replies.find((r) => r[0] === 1)!
    const text = new TextDecoder().decode(reply)
    expect(text).toContain('"Ada"')
    expect(text).toContain('"Bo"')
  })
})

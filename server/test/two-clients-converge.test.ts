import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { synced, testWithServer, waitFor } from './helpers.js'

const test = testWithServer()

describe('two y-websocket clients in one room', () => {
  test('converge on a Y.Text edited by both', async ({ connect }) => {
    const a = connect('text-room')
    const b = connect('text-room')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world ')
    await waitFor('both texts equal and complete', () =>
      a.doc.getText('t').toString() === b.doc.getText('t').toString() && a.doc.getText('t').length === 12)
    expect(a.doc.getText('t').toString()).toMatch(/hello |world /)
  })

  test('converge on a Y.XmlFragment (the shape y-prosemirror uses)', async ({ connect }) => {
    const a = connect('xml-room')
    const b = connect('xml-room')
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

  test('give a late joiner the whole document', async ({ server, connect }) => {
    const a = connect('late-room')
    await synced(a)
    a.doc.getText('t').insert(0, 'written before anyone else came')
    a.doc.getMap('m').set('key', 'value')
    await waitFor('the write is stored', () => !server.server.registry.get('late-room')!.hasUnstoredWrites)
    const late = connect('late-room')
    await synced(late)
    expect(late.doc.getText('t').toString()).toBe('written before anyone else came')
    expect(late.doc.getMap('m').get('key')).toBe('value')
  })

  test('see each other’s awareness, and its removal within a second of a close', async ({ connect }) => {
    const a = connect('awareness-room')
    const b = connect('awareness-room')
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

  test('echo awareness to its sender so a lone client keeps hearing the server', async ({ connect }) => {
    const a = connect('echo-room')
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

  test('answer query-awareness with everyone’s state', async ({ server, connect }) => {
    const a = connect('query-room')
    const b = connect('query-room')
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

import { describe, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS } from '@ortak/protocol'
import { synced, testWithServer, waitFor, type TestClient } from './helpers.js'

const test = testWithServer()

interface AwarenessEntry {
  clientId: number
  clock: number
  state: unknown
}

/** The entries of a frame if it is an awareness message (none otherwise): whose state, its clock, the state. */
function awarenessEntriesIn(frame: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== MESSAGE_AWARENESS) return []
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
  const count = decoding.readVarUint(update)
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(update)
    const clock = decoding.readVarUint(update)
    entries.push({ clientId, clock, state: JSON.parse(decoding.readVarString(update)) })
  }
  return entries
}

/** Every awareness frame `client` receives from now on, decoded. */
function awarenessFramesTo(client: TestClient): AwarenessEntry[][] {
  const frames: AwarenessEntry[][] = []
  client.provider.ws!.addEventListener('message', (event: MessageEvent) => {
    const entries = awarenessEntriesIn(new Uint8Array(event.data as ArrayBuffer))
    if (entries.length > 0) frames.push(entries)
  })
  return frames
}

/** Yjs orders what two clients insert at the same place at the same time by client id, lowest first. */
const inClientIdOrder = <T>(a: TestClient, fromA: T, b: TestClient, fromB: T): [T, T] =>
  a.doc.clientID < b.doc.clientID ? [fromA, fromB] : [fromB, fromA]

describe('two y-websocket clients in one room', () => {
  test('converge on a Y.Text edited by both', async ({ connect }) => {
    const a = connect('text-room')
    const b = connect('text-room')
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world ')
    await waitFor('each client to have the other’s edit', () => a.doc.getText('t').length === 12 && b.doc.getText('t').length === 12)
    const expected = inClientIdOrder(a, 'hello ', b, 'world ').join('')
    expect(a.doc.getText('t').toString()).toBe(expected)
    expect(b.doc.getText('t').toString()).toBe(expected)
  })

  test('converge on a Y.XmlFragment (the shape y-prosemirror uses)', async ({ connect }) => {
    const a = connect('xml-room')
    const b = connect('xml-room')
    await Promise.all([synced(a), synced(b)])
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('typed in A')])
    a.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
    const heading = new Y.XmlElement('heading')
    // A number, as y-prosemirror stores it: the string '1' is no heading level of the schema.
    heading.setAttribute('level', 1 as unknown as string)
    b.doc.getXmlFragment('prosemirror').insert(0, [heading])
    await waitFor('each client to have the other’s block', () =>
      a.doc.getXmlFragment('prosemirror').length === 2 && b.doc.getXmlFragment('prosemirror').length === 2)
    const expected = inClientIdOrder(a, '<paragraph>typed in A</paragraph>', b, '<heading level="1"></heading>').join('')
    expect(a.doc.getXmlFragment('prosemirror').toString()).toBe(expected)
    expect(b.doc.getXmlFragment('prosemirror').toString()).toBe(expected)
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
    const aId = a.doc.clientID
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor('B to hear A’s change', () => b.provider.awareness.getStates().get(aId)?.user !== undefined)
    expect(b.provider.awareness.getStates().get(aId)).toEqual({ user: { name: 'Ada' } })
    a.provider.destroy()
    const closedAt = Date.now()
    // The wait allows more than the bound below, so a slow removal fails there with its time;
    // it ends well before y-protocols' own 30 s expiry, which would remove the state without the server.
    await waitFor('B to see A leave', () => !b.provider.awareness.getStates().has(aId))
    expect(Date.now() - closedAt).toBeLessThan(1_000)
  })

  test('echo awareness to its sender so a lone client keeps hearing the server', async ({ connect }) => {
    const a = connect('echo-room')
    await synced(a)
    const heard = awarenessFramesTo(a)
    a.provider.awareness.setLocalStateField('cursor', 1)
    const { clock } = a.provider.awareness.meta.get(a.doc.clientID)!
    const echo = () => heard.flat().find((entry) => entry.clock === clock)
    await waitFor('the change to come back', () => echo() !== undefined)
    expect(echo()).toEqual({ clientId: a.doc.clientID, clock, state: { cursor: 1 } })
  })

  test('answer query-awareness with everyone’s state', async ({ server, connect }) => {
    const a = connect('query-room')
    const b = connect('query-room')
    await Promise.all([synced(a), synced(b)])
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    b.provider.awareness.setLocalStateField('user', { name: 'Bo' })
    const held = server.server.registry.get('query-room')!.awareness
    await waitFor('the server to hold both changes', () =>
      held.getStates().get(a.doc.clientID)?.user !== undefined && held.getStates().get(b.doc.clientID)?.user !== undefined)
    const frames = awarenessFramesTo(b)
    b.provider.ws!.send(Uint8Array.of(MESSAGE_QUERY_AWARENESS))
    // Changes are relayed one client at a time; only the answer to the query lists two.
    const reply = () => frames.find((entries) => entries.length === 2)
    await waitFor('the answer to the query', () => reply() !== undefined)
    expect(new Map(reply()!.map((entry) => [entry.clientId, entry.state]))).toEqual(new Map([
      [a.doc.clientID, { user: { name: 'Ada' } }],
      [b.doc.clientID, { user: { name: 'Bo' } }],
    ]))
  })
})

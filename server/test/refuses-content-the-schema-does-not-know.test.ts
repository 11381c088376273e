import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { documentFragmentName } from '@ortak/schema'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { testWithServer, waitFor } from './helpers.js'
import { providerClosed } from './security-helpers.js'

const test = testWithServer()

/** A paragraph as Tiptap's StarterKit stores it through y-prosemirror: its own mark names. */
function tiptapParagraph(words: string, mark: string): Y.XmlElement {
  const paragraph = new Y.XmlElement('paragraph')
  const text = new Y.XmlText()
  text.insert(0, words, { [mark]: {} })
  paragraph.insert(0, [text])
  return paragraph
}

describe("content the editor's schema does not know", () => {
  test('is refused with 4415 and a reason naming it; what was stored before stays, the refused update is nowhere', async ({ server, connect }) => {
    const ortak = connect('notes')
    const tiptap = connect('notes')
    await waitFor('both synced', () => ortak.provider.synced && tiptap.provider.synced)
    const plain = new Y.XmlElement('paragraph')
    plain.insert(0, [new Y.XmlText('written by Ortak')])
    ortak.doc.getXmlFragment(documentFragmentName).insert(0, [plain])
    await waitFor('the first edit arrives', () => tiptap.doc.getXmlFragment(documentFragmentName).length === 1)

    const closed = providerClosed(tiptap)
    tiptap.doc.getXmlFragment(documentFragmentName).insert(1, [tiptapParagraph('bold words', 'bold')])
    expect(await closed).toEqual({ code: 4415, reason: 'content the document schema does not know: mark "bold"' })
    expect(server.logs.filter((l) => l.code === 4415)).toEqual([expect.objectContaining({ room: 'notes', reason: 'content the document schema does not know: mark "bold"' })])
    await new Promise((r) => setTimeout(r, 100))
    expect(ortak.doc.getXmlFragment(documentFragmentName).toString()).toBe('<paragraph>written by Ortak</paragraph>')
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('ortak_connections_refused_total{reason="unknown_content"} 1')

    await server.close()
    const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
    const stored = new Y.Doc()
    for (const update of (await storage.load('notes')).updates) Y.applyUpdate(stored, update)
    await storage.close()
    expect(stored.getXmlFragment(documentFragmentName).toString()).toBe('<paragraph>written by Ortak</paragraph>')
  })

  test('is free outside the fragment: another app keeps its own fragment, text and maps in the same room', async ({ server, connect }) => {
    const app = connect('shared')
    const watcher = connect('shared')
    await waitFor('both synced', () => app.provider.synced && watcher.provider.synced)
    const list = new Y.XmlElement('bulletList')
    list.insert(0, [tiptapParagraph('item', 'italic')])
    app.doc.getXmlFragment('default').insert(0, [list])
    app.doc.getText('notes').insert(0, 'marked', { bold: true })
    app.doc.getMap('settings').set('theme', 'dark')
    await waitFor('the watcher to have all of it', () => watcher.doc.getMap('settings').get('theme') === 'dark')
    expect((watcher.doc.getXmlFragment('default').get(0) as Y.XmlElement).nodeName).toBe('bulletList')
    expect(watcher.doc.getXmlFragment('default').toString()).toBe('<bulletlist><paragraph><italic>item</italic></paragraph></bulletlist>')
    expect(watcher.doc.getText('notes').toDelta()).toEqual([{ insert: 'marked', attributes: { bold: true } }])
    expect(app.provider.wsconnected).toBe(true)
    expect(server.logs.filter((l) => l.code === 4415)).toEqual([])
  })

  test('is refused over HTTP with 422 naming it, and the room is unchanged', async ({ server }) => {
    const post = (update: Uint8Array) => fetch(`${server.url}/api/rooms/imported/updates`, {
      method: 'POST', body: new Uint8Array(update), headers: { 'Content-Type': 'application/octet-stream' },
    })
    const doc = new Y.Doc()
    const heading = new Y.XmlElement('heading')
    heading.setAttribute('level', 5 as unknown as string)
    heading.insert(0, [new Y.XmlText('Deep')])
    doc.getXmlFragment(documentFragmentName).insert(0, [heading])
    const refused = await post(Y.encodeStateAsUpdate(doc))
    expect(refused.status).toBe(422)
    expect(await refused.json()).toEqual({ status: 422, message: 'content the document schema does not know: attribute "level" = 5 on "heading"' })
    expect((await fetch(`${server.url}/api/rooms/imported`)).status).toBe(404)

    heading.setAttribute('level', 2 as unknown as string)
    const accepted = await post(Y.encodeStateAsUpdate(doc))
    expect(accepted.status).toBe(200)
    expect(await (await fetch(`${server.url}/api/rooms/imported?format=markdown`)).text()).toBe('## Deep')
  })
})

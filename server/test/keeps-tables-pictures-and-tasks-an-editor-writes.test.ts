import { describe, expect } from 'vitest'
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import type * as Y from 'yjs'
import { documentFragmentName, schema } from '@ortak/schema'
import { testWithServer, waitFor, type TestClient } from './helpers.js'
import { png } from './pictures.js'
import { providerClosed } from './security-helpers.js'

const test = testWithServer()

const fragmentOf = (client: TestClient) => client.doc.getXmlFragment(documentFragmentName)
const documentOf = (client: TestClient) => yXmlFragmentToProseMirrorRootNode(fragmentOf(client), schema)

describe('a document with a table, a picture and a task list', () => {
  test('is stored and relayed as an editor writes it, a task toggled by the other person, and exported in every format', async ({ server, connect }) => {
    const uploaded = await fetch(`${server.url}/api/rooms/spec/files`, { method: 'POST', body: png })
    const { url } = await uploaded.json() as { url: string }
    const ada = connect('spec')
    const grace = connect('spec')
    await waitFor('both synced', () => ada.provider.synced && grace.provider.synced)

    const { nodes } = schema
    const paragraph = (words: string) => nodes.paragraph!.create(null, schema.text(words))
    // As y-prosemirror writes the editor's document into the shared one.
    prosemirrorToYXmlFragment(nodes.doc!.create(null, [
      nodes.table!.create(null, [
        nodes.table_row!.create(null, [nodes.table_header!.create(null, paragraph('Step')), nodes.table_header!.create(null, paragraph('Owner'))]),
        nodes.table_row!.create(null, [nodes.table_cell!.create(null, paragraph('Design')), nodes.table_cell!.create(null, paragraph('Ada'))]),
      ]),
      nodes.paragraph!.create(null, [schema.text('Sketch: '), nodes.image!.create({ src: url, alt: 'sketch', width: 120 })]),
      nodes.bullet_list!.create(null, [
        nodes.list_item!.create({ checked: false }, paragraph('review')),
        nodes.list_item!.create({ checked: false }, paragraph('ship')),
      ]),
    ]), fragmentOf(ada))
    await waitFor('Grace to have the document', () => documentOf(grace).eq(documentOf(ada)))

    // Grace ticks the first task, as the editor's toggle sets the attribute.
    const firstTask = (fragmentOf(grace).get(2) as Y.XmlElement).get(0) as Y.XmlElement
    firstTask.setAttribute('checked', true as unknown as string)
    await waitFor('Ada to see the task done', () => documentOf(ada).child(2).child(0).attrs.checked === true)
    expect(ada.provider.wsconnected && grace.provider.wsconnected).toBe(true)

    const exported = async (format: string) => {
      let body = ''
      await waitFor(`the ${format} export to show the tick`, async () => {
        body = await (await fetch(`${server.url}/api/rooms/spec?format=${format}`)).text()
        return body.includes(format === 'markdown' ? '[x]' : format === 'html' ? 'data-checked="true"' : 'review')
      })
      return body
    }
    expect(await exported('markdown')).toBe(`| Step | Owner |\n| --- | --- |\n| Design | Ada |\n\nSketch: ![sketch](${url})\n\n- [x] review\n- [ ] ship`)
    expect(await exported('html')).toContain(`<p>Sketch: <img src="${url}" alt="sketch" width="120"></p>`)
    expect(await exported('text')).toBe('Step\nOwner\nDesign\nAda\nSketch: sketch\nreview\nship')
    const json = JSON.parse(await exported('json')) as { content: Array<{ content: Array<{ attrs: unknown }> }> }
    expect(json.content[2]!.content.map((item) => item.attrs)).toEqual([{ checked: true }, { checked: false }])
  })

  test('closes, with 4415 naming it, a client that gives a picture a source that could run code; the others keep the picture', async ({ connect }) => {
    const ada = connect('unsafe')
    const mallory = connect('unsafe')
    await waitFor('both synced', () => ada.provider.synced && mallory.provider.synced)
    prosemirrorToYXmlFragment(schema.nodes.doc!.create(null, schema.nodes.paragraph!.create(null, schema.nodes.image!.create({ src: '/a.png' }))), fragmentOf(ada))
    await waitFor('Mallory to have the picture', () => fragmentOf(mallory).length === 1)
    const closed = providerClosed(mallory)
    ;((fragmentOf(mallory).get(0) as Y.XmlElement).get(0) as Y.XmlElement).setAttribute('src', 'javascript:alert(document.cookie)')
    expect(await closed).toEqual({ code: 4415, reason: 'content the document schema does not know: attribute "src" = "javascript:alert(document.cookie)" on "image"' })
    await new Promise((r) => setTimeout(r, 100))
    expect(documentOf(ada).firstChild!.firstChild!.attrs.src).toBe('/a.png')
  })
})

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { schema } from '@ortak/schema'
import { documentToMarkdown, markdownToDocument } from './markdown.js'
import { readDocument, replacementUpdate } from './yjs-document.js'

/** Markdown -> ProseMirror document -> Y.Doc (as the editor stores it) -> document -> markdown. */
async function roundTrip(markdown: string): Promise<string> {
  const ydoc = new Y.Doc()
  Y.applyUpdate(ydoc, replacementUpdate(ydoc, await markdownToDocument(markdown))!)
  return documentToMarkdown(readDocument(ydoc))
}

/** Markdown read and written straight away. */
const rewritten = async (markdown: string) => documentToMarkdown(await markdownToDocument(markdown))

describe('markdown round trip through a Yjs document', () => {
  it('keeps headings, lists, emphasis, code and links', async () => {
    const markdown = [
      '# Heading one',
      '',
      '## Heading two',
      '',
      '### Heading three',
      '',
      'Text with *emphasis*, **strong**, ~~struck~~, `inline code`, a [link](https://example.com/a_b "Title") and <https://example.com>.',
      '',
      '* bullet',
      '* list with **bold**',
      '  * nested item',
      '',
      '3. ordered',
      '4. from three',
      '',
      '```',
      'const code = "block"',
      '  indented()',
      '```',
      '',
      '> a quote',
      '',
      '---',
      '',
      'line\\',
      'break',
    ].join('\n')
    expect(await roundTrip(markdown)).toBe(markdown)
  })

  it('escapes text that would read as markup and keeps it as text', async () => {
    const markdown = '\\# not a heading\n\n1\\. not a list\n\n\\*not emphasis\\*'
    expect(await roundTrip(markdown)).toBe(markdown)
    expect((await markdownToDocument(markdown)).textContent).toBe('# not a heading1. not a list*not emphasis*')
    // Text that looks like a task marker or an HTML table stays text.
    const lookalikes = '* \\[ \\] not a task\n\n\\<table><tr><td>typed</td></tr></table>'
    expect(await roundTrip(lookalikes)).toBe(lookalikes)
    expect((await markdownToDocument(lookalikes)).textContent).toBe('[ ] not a task<table><tr><td>typed</td></tr></table>')
  })

  it('maps what the schema lacks onto what it has, dropping no text', async () => {
    expect(await rewritten('#### Deep heading')).toBe('### Deep heading')
    expect(await rewritten('<b>raw html</b>')).toBe('<b>raw html</b>')
    expect((await markdownToDocument('<b>raw html</b>')).textContent).toBe('<b>raw html</b>')
    expect(await rewritten('[click](javascript:alert(1))')).toBe('\\[click\\](javascript:alert(1))')
    // Links markdown-it allows but the schema's editor does not make are kept as their text.
    expect(await rewritten('[files](ftp://example.com/f) and <irc://chat.example>')).toBe('files and irc://chat.example')
    // Images the schema cannot hold are kept as their alt text.
    expect(await rewritten('![diagram](ftp://example.com/d.png) ![inline](data:image/png;base64,iVBOR)')).toBe('diagram inline')
  })

  it('keeps images by address with their alt text and title; a width is not written', async () => {
    const markdown = 'A ![chart of sales](https://example.com/chart.png "Q3") and ![](/api/rooms/doc/files/ab12) and ![lost]()'
    expect(await roundTrip(markdown)).toBe(markdown)
    const images: Array<Record<string, unknown>> = []
    ;(await markdownToDocument(markdown)).descendants((node) => void (node.type.name === 'image' && images.push(node.attrs)))
    expect(images).toEqual([
      { src: 'https://example.com/chart.png', alt: 'chart of sales', title: 'Q3', width: null },
      { src: '/api/rooms/doc/files/ab12', alt: null, title: null, width: null },
      { src: '', alt: 'lost', title: null, width: null },
    ])
  })

  it('reads and writes GFM task lists, mixed with ordinary items and nested', async () => {
    const markdown = [
      '- [ ] open',
      '- [x] done with **bold**',
      '  - [ ] nested task',
      '- plain item in the same list',
      '',
      '1. [x] numbered task',
      '2. numbered item',
    ].join('\n')
    expect(await roundTrip(markdown)).toBe(markdown)
    const doc = await markdownToDocument(markdown)
    const checked = (list: number) => Array.from({ length: doc.child(list).childCount }, (_, i) => doc.child(list).child(i).attrs.checked)
    expect(checked(0)).toEqual([false, true, null])
    expect(checked(1)).toEqual([true, null])
    expect(doc.child(0).child(0).textContent).toBe('open')
    // GitHub's other spellings read the same; an empty task keeps its box.
    expect(await rewritten('* [X] upper case\n* [ ]')).toBe('- [x] upper case\n- [ ]')
  })

  it('reads and writes GFM tables, with marks, links, code and pipes in cells', async () => {
    const markdown = [
      '| Name | Notes |',
      '| --- | --- |',
      '| **Ada** | [site](https://example.com) and `a \\| b` |',
      '| Grace | a \\| pipe |',
      '|  | empty first cell |',
    ].join('\n')
    expect(await roundTrip(markdown)).toBe(markdown)
    const table = (await markdownToDocument(markdown)).firstChild!
    expect(table.type.name).toBe('table')
    expect(table.child(0).child(0).type.name).toBe('table_header')
    expect(table.child(1).child(1).firstChild!.type.name).toBe('paragraph')
    expect(table.child(1).child(1).textContent).toBe('site and a | b')
    expect(table.child(2).child(1).textContent).toBe('a | pipe')
    // Alignment has no place in the schema: the table is read, its alignment is not kept.
    expect(await rewritten('| a | b |\n| :-: | --: |\n| 1 | 2 |')).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |')
  })

  it('writes a table GFM cannot express as an HTML table, and reads it back as it was', async () => {
    const { nodes } = schema
    const paragraph = (words: string) => nodes.paragraph!.create(null, words ? schema.text(words) : undefined)
    const doc = nodes.doc!.create(null, [
      paragraph('before'),
      nodes.table!.create(null, [
        nodes.table_row!.create(null, [nodes.table_header!.create({ colspan: 2 }, paragraph('merged head'))]),
        nodes.table_row!.create(null, [
          nodes.table_cell!.create(null, [paragraph('two'), paragraph('paragraphs')]),
          nodes.table_cell!.create(null, nodes.bullet_list!.create(null, nodes.list_item!.create({ checked: true }, paragraph('task in a cell')))),
        ]),
      ]),
      nodes.bullet_list!.create(null, nodes.list_item!.create(null, [
        paragraph('a list holding a table without a header row'),
        nodes.table!.create(null, nodes.table_row!.create(null, [nodes.table_cell!.create(null, nodes.code_block!.create(null, schema.text('line 1\n\nline 3')))])),
      ])),
      paragraph('after'),
    ])
    const markdown = await documentToMarkdown(doc)
    expect(markdown).toBe([
      'before',
      '',
      '<table><tbody><tr><th colspan="2"><p>merged head</p></th></tr><tr><td><p>two</p><p>paragraphs</p></td>'
        + '<td><ul><li data-checked="true"><input type="checkbox" disabled="" checked=""><p>task in a cell</p></li></ul></td></tr></tbody></table>',
      '',
      '* a list holding a table without a header row',
      '',
      '  <table><tbody><tr><td><pre><code>line 1',
      '  ',
      '  line 3</code></pre></td></tr></tbody></table>',
      '',
      'after',
    ].join('\n'))
    expect((await markdownToDocument(markdown)).eq(doc)).toBe(true)
    expect(await roundTrip(markdown)).toBe(markdown)
  })
})

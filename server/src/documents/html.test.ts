import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { documentToHtml, htmlToDocument } from './html.js'
import { exportDocument } from './formats.js'
import { readDocument, replacementUpdate } from './yjs-document.js'

/** HTML -> ProseMirror document -> Y.Doc (as the editor stores it) -> document -> HTML. */
async function roundTrip(html: string): Promise<string> {
  const ydoc = new Y.Doc()
  Y.applyUpdate(ydoc, replacementUpdate(ydoc, await htmlToDocument(html))!)
  return documentToHtml(readDocument(ydoc))
}

describe('HTML round trip through a Yjs document', () => {
  it('keeps tables with header cells, merged cells, column widths and blocks in cells', async () => {
    const html = '<table><tbody>'
      + '<tr><th><p>Item</p></th><th colspan="2" data-colwidth="120,80"><p>Both <strong>columns</strong></p></th></tr>'
      + '<tr><td rowspan="2"><p>tall</p></td><td><p>one</p><p>two</p></td><td><ul><li><p>listed</p></li></ul></td></tr>'
      + '<tr><td><p><img src="/api/rooms/doc/files/ab12" alt="in a cell"></p></td><td><p></p></td></tr>'
      + '</tbody></table>'
    expect(await roundTrip(html)).toBe(html)
  })

  it('keeps images with alt text, title and width, and task items with a checkbox before them', async () => {
    const html = '<p>A <img src="https://example.com/chart.png" alt="chart" title="Q3" width="320"> inline picture</p>'
      + '<ul><li data-checked="true"><input type="checkbox" disabled="" checked=""><p>done</p></li>'
      + '<li data-checked="false"><input type="checkbox" disabled=""><p>open</p></li><li><p>plain</p></li></ul>'
    expect(await roundTrip(html)).toBe(html)
  })

  it('reads GitHub\'s rendered task lists and tables with text straight in their cells', async () => {
    const github = '<ul class="contains-task-list"><li class="task-list-item"><input type="checkbox" disabled checked> shipped</li></ul>'
      + '<table><thead><tr><th align="center">Name</th></tr></thead><tbody><tr><td>Ada</td></tr></tbody></table>'
    expect(await roundTrip(github)).toBe('<ul><li data-checked="true"><input type="checkbox" disabled="" checked=""><p>shipped</p></li></ul>'
      + '<table><tbody><tr><th><p>Name</p></th></tr><tr><td><p>Ada</p></td></tr></tbody></table>')
  })

  it('leaves out images it cannot hold and attributes that could run code', async () => {
    const html = '<p><img src="javascript:alert(1)"><img src="data:image/png;base64,iVBOR" alt="embedded"><img src="/ok.png" onerror="alert(1)" style="width: 50px"></p>'
    expect(await roundTrip(html)).toBe('<p><img src="/ok.png" width="50"></p>')
  })
})

describe('text and JSON export of the new nodes', () => {
  it('writes an image as its alt text and a table cell per line in text; JSON keeps every attribute', async () => {
    const ydoc = new Y.Doc()
    const doc = await htmlToDocument('<p>See <img src="/a.png" alt="the chart" width="20">.</p>'
      + '<table><tr><th>a</th><th>b</th></tr></table><ul><li data-checked="true"><p>done</p></li></ul>')
    Y.applyUpdate(ydoc, replacementUpdate(ydoc, doc)!)
    expect(await exportDocument(ydoc, 'text')).toBe('See the chart.\na\nb\ndone')
    const json = JSON.parse(await exportDocument(ydoc, 'json') as string)
    expect(json.content[0].content[1]).toEqual({ type: 'image', attrs: { src: '/a.png', alt: 'the chart', title: null, width: 20 } })
    expect(json.content[1].content[0].content[0]).toMatchObject({ type: 'table_header', attrs: { colspan: 1, rowspan: 1, colwidth: null } })
    expect(json.content[2].content[0]).toMatchObject({ type: 'list_item', attrs: { checked: true } })
  })
})

import { describe, expect, it } from 'vitest'
import { DOMParser, DOMSerializer } from 'prosemirror-model'
import { JSDOM } from 'jsdom'
import { isSafeHref, isSafeImageSrc, schema } from '../src/index.js'

const { window } = new JSDOM('')

/** What the schema's parse rules make of `html` (a paste, an import). */
function parseHtml(html: string) {
  const holder = window.document.createElement('div')
  holder.innerHTML = html
  return DOMParser.fromSchema(schema).parse(holder)
}

/** The HTML the schema's render rules make of a document's content. */
function renderHtml(doc: ReturnType<typeof parseHtml>): string {
  const holder = window.document.createElement('div')
  holder.append(DOMSerializer.fromSchema(schema).serializeFragment(doc.content, { document: window.document }))
  return holder.innerHTML
}

describe('the Ortak schema', () => {
  it('loads without a DOM (the server imports it) and has every node and mark the editor offers', () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined')
    expect(Object.keys(schema.nodes).sort()).toEqual([
      'blockquote', 'bullet_list', 'code_block', 'doc', 'hard_break', 'heading', 'horizontal_rule', 'image',
      'list_item', 'ordered_list', 'paragraph', 'table', 'table_cell', 'table_header', 'table_row', 'text',
    ])
    expect(Object.keys(schema.marks).sort()).toEqual(['code', 'em', 'link', 'strike', 'strong'])
  })

  it('builds a document with every construct and checks it against the content rules', () => {
    const { nodes, marks } = schema
    const doc = nodes.doc!.create(null, [
      nodes.heading!.create({ level: 2 }, schema.text('Title')),
      nodes.paragraph!.create(null, [
        schema.text('bold', [marks.strong!.create()]),
        nodes.hard_break!.create(),
        schema.text('link', [marks.link!.create({ href: 'https://example.com' })]),
      ]),
      nodes.bullet_list!.create(null, nodes.list_item!.create(null, nodes.paragraph!.create(null, schema.text('item')))),
      nodes.ordered_list!.create({ order: 3 }, nodes.list_item!.create(null, nodes.paragraph!.create())),
      nodes.blockquote!.create(null, nodes.paragraph!.create(null, schema.text('quoted', [marks.em!.create(), marks.strike!.create()]))),
      nodes.code_block!.create(null, schema.text('let x = 1')),
      nodes.horizontal_rule!.create(),
      nodes.table!.create(null, [
        nodes.table_row!.create(null, [nodes.table_header!.create(null, nodes.paragraph!.create(null, schema.text('head')))]),
        nodes.table_row!.create(null, [nodes.table_cell!.create({ colspan: 2, colwidth: [120, 80] }, [
          nodes.paragraph!.create(null, [schema.text('cell '), nodes.image!.create({ src: '/api/rooms/r/files/abc', alt: 'a chart', width: 300 })]),
          nodes.bullet_list!.create(null, nodes.list_item!.create({ checked: true }, nodes.paragraph!.create(null, schema.text('done')))),
        ])]),
      ]),
    ])
    expect(() => doc.check()).not.toThrow()
    expect(doc.textContent).toBe('Titleboldlinkitemquotedlet x = 1headcell done')
  })

  it('refuses heading levels other than 1 to 3 and marks inside code blocks', () => {
    expect(() => schema.nodes.heading!.create({ level: 4 })).toThrow(/heading level must be 1, 2 or 3, got 4/)
    const code = schema.nodes.code_block!.create(null, schema.text('x', [schema.marks.strong!.create()]))
    expect(() => code.check()).toThrow()
  })

  it('refuses table cells spanning nothing or more than a table can lay out, and column widths that are not widths', () => {
    const cell = schema.nodes.table_cell!
    expect(() => cell.create({ colspan: 0 })).toThrow(/colspan must be a whole number from 1 to 1000, got 0/)
    expect(() => cell.create({ rowspan: 1.5 })).toThrow(/rowspan must be a whole number/)
    expect(() => schema.nodes.table_header!.create({ colspan: 1_000_000 })).toThrow(/colspan must be a whole number/)
    expect(() => cell.create({ colwidth: ['wide'] })).toThrow(/colwidth must be null or a list of widths/)
    expect(() => cell.create({ colwidth: [-5] })).toThrow(/colwidth must be null or a list of widths/)
    expect(cell.create({ colspan: 3, rowspan: 2, colwidth: [10, 20, 30] }).attrs).toEqual({ colspan: 3, rowspan: 2, colwidth: [10, 20, 30] })
    // A cell holds blocks, not bare text: what markdown's and HTML's cells hold arrives in a paragraph.
    expect(() => cell.create(null, schema.text('bare')).check()).toThrow()
  })

  it('reads and writes tables as HTML with header cells, spans and column widths', () => {
    const html = '<table><tbody><tr><th><p>Name</p></th><th colspan="2" data-colwidth="100,50"><p>Both</p></th></tr>'
      + '<tr><td rowspan="2"><p>tall</p></td><td><p>a</p></td><td><ul><li><p>list</p></li></ul></td></tr></tbody></table>'
    const doc = parseHtml(html)
    const table = doc.firstChild!
    expect(table.type.name).toBe('table')
    expect(table.child(0).child(1).attrs).toEqual({ colspan: 2, rowspan: 1, colwidth: [100, 50] })
    expect(table.child(1).child(0).attrs).toMatchObject({ rowspan: 2 })
    expect(renderHtml(doc)).toBe(html)
    // A pasted table whose cells hold text straight away gets paragraphs in them.
    const pasted = parseHtml('<table><tr><td>plain</td></tr></table>').firstChild!
    expect(pasted.child(0).child(0).firstChild!.type.name).toBe('paragraph')
  })

  it('keeps only images from http(s) or relative addresses, with their alt text, title and width', () => {
    for (const src of ['https://example.com/a.png', 'http://example.com/a.png', '/api/rooms/doc/files/ab12', 'pictures/a.png']) {
      expect(isSafeImageSrc(src), src).toBe(true)
    }
    for (const src of ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'data:image/png;base64,iVBOR', 'data:image/svg+xml,<svg onload=alert(1)>',
      'blob:https://example.com/1', 'file:///C:/pic.png', 'vbscript:x', '  ']) {
      expect(isSafeImageSrc(src), src).toBe(false)
      expect(() => schema.nodes.image!.create({ src }), src).toThrow(/image src must be an http\(s\) or relative address/)
    }
    // Every attribute has a default: an image stored without its source reads as a picture missing.
    expect(schema.nodes.image!.create({}).attrs).toEqual({ src: '', alt: null, title: null, width: null })
    expect(renderHtml(schema.nodes.doc!.create(null, schema.nodes.paragraph!.create(null, schema.nodes.image!.create({ alt: 'lost' }))))).toBe('<p><img alt="lost"></p>')
    expect(() => schema.nodes.image!.create({ src: '/a.png', width: 0 })).toThrow(/image width must be a whole number/)
    expect(() => schema.nodes.image!.create({ src: '/a.png', width: '100px' })).toThrow(/image width must be a whole number/)

    // As Google Docs and Word put a picture on the clipboard: inside a paragraph, with a size in its style.
    const pasted = parseHtml('<p>See <span><img src="https://lh3.example.com/pic" alt="Chart" style="width: 312.5px; height: 200px"></span> here</p>'
      + '<p><img src="/a.png" width="40" title="T"><img src="data:image/png;base64,iVBOR" alt="inline copy"><img src="javascript:alert(1)"></p>')
    expect(pasted.childCount).toBe(2)
    expect(pasted.firstChild!.child(1).attrs).toEqual({ src: 'https://lh3.example.com/pic', alt: 'Chart', title: null, width: 313 })
    expect(pasted.child(1).childCount).toBe(1)
    expect(renderHtml(pasted)).toBe('<p>See <img src="https://lh3.example.com/pic" alt="Chart" width="313"> here</p><p><img src="/a.png" title="T" width="40"></p>')
  })

  it('reads task items from GitHub\'s rendered markdown, Google Docs and its own HTML, and leaves other list items alone', () => {
    const items = (html: string) => {
      const list = parseHtml(html).firstChild!
      return Array.from({ length: list.childCount }, (_, i) => [list.child(i).attrs.checked, list.child(i).textContent])
    }
    expect(items('<ul class="contains-task-list"><li class="task-list-item"><input type="checkbox" disabled checked> done</li>'
      + '<li class="task-list-item"><input type="checkbox" disabled> open</li><li>plain</li></ul>'))
      .toEqual([[true, 'done'], [false, 'open'], [null, 'plain']])
    expect(items('<ul><li role="checkbox" aria-checked="true"><p>bought</p></li><li role="checkbox" aria-checked="false"><p>to buy</p></li></ul>'))
      .toEqual([[true, 'bought'], [false, 'to buy']])
    const own = '<ol><li data-checked="true"><p>a</p></li><li data-checked="false"><p>b</p></li><li><p>c</p></li></ol>'
    expect(items(own)).toEqual([[true, 'a'], [false, 'b'], [null, 'c']])
    expect(renderHtml(parseHtml(own))).toBe(own)
    expect(() => schema.nodes.list_item!.create({ checked: 'yes' })).toThrow()
  })

  it('never renders a link target that can run code', () => {
    expect(isSafeHref('https://example.com/a')).toBe(true)
    expect(isSafeHref('mailto:someone@example.com')).toBe(true)
    expect(isSafeHref('/relative/path')).toBe(true)
    expect(isSafeHref('javascript:alert(1)')).toBe(false)
    expect(isSafeHref(' JavaScript:alert(1)')).toBe(false)
    expect(isSafeHref('data:text/html,<script>alert(1)</script>')).toBe(false)

    const render = (href: string) => {
      const paragraph = schema.nodes.paragraph!.create(null, schema.text('x', [schema.marks.link!.create({ href })]))
      const fragment = DOMSerializer.fromSchema(schema).serializeFragment(paragraph.content, { document: window.document })
      const holder = window.document.createElement('div')
      holder.append(fragment)
      return holder.innerHTML
    }
    expect(render('https://example.com')).toBe('<a rel="noopener noreferrer nofollow" href="https://example.com">x</a>')
    expect(render('javascript:alert(1)')).toBe('<a rel="noopener noreferrer nofollow">x</a>')

    // Pasted or imported, such a link is kept as its text.
    const parse = (html: string) => {
      const holder = window.document.createElement('div')
      holder.innerHTML = html
      return DOMParser.fromSchema(schema).parse(holder).firstChild!.firstChild!
    }
    expect(parse('<p><a href="javascript:void(0)">menu</a></p>').marks).toEqual([])
    expect(parse('<p><a href="https://example.com" title="T">site</a></p>').marks.map((m) => m.attrs)).toEqual([{ href: 'https://example.com', title: 'T' }])
  })
})

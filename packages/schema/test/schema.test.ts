import { describe, expect, it } from 'vitest'
import { DOMParser, DOMSerializer } from 'prosemirror-model'
import { JSDOM } from 'jsdom'
import { isSafeHref, schema } from '../src/index.js'

describe('the Ortak schema', () => {
  it('loads without a DOM (the server imports it) and has every node and mark the editor offers', () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined')
    expect(Object.keys(schema.nodes).sort()).toEqual([
      'blockquote', 'bullet_list', 'code_block', 'doc', 'hard_break', 'heading', 'horizontal_rule',
      'list_item', 'ordered_list', 'paragraph', 'text',
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
    ])
    expect(() => doc.check()).not.toThrow()
    expect(doc.textContent).toBe('Titleboldlinkitemquotedlet x = 1')
  })

  it('refuses heading levels other than 1 to 3 and marks inside code blocks', () => {
    expect(() => schema.nodes.heading!.create({ level: 4 })).toThrow(/heading level must be 1, 2 or 3, got 4/)
    const code = schema.nodes.code_block!.create(null, schema.text('x', [schema.marks.strong!.create()]))
    expect(() => code.check()).toThrow()
  })

  it('never renders a link target that can run code', () => {
    expect(isSafeHref('https://example.com/a')).toBe(true)
    expect(isSafeHref('mailto:someone@example.com')).toBe(true)
    expect(isSafeHref('/relative/path')).toBe(true)
    expect(isSafeHref('javascript:alert(1)')).toBe(false)
    expect(isSafeHref(' JavaScript:alert(1)')).toBe(false)
    expect(isSafeHref('data:text/html,<script>alert(1)</script>')).toBe(false)

    const { window } = new JSDOM('')
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

import { describe, expect, it } from 'vitest'
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { documentFragmentName, findUnknownContent, schema } from '../src/index.js'
import { paragraph, xmlElement, xmlText as text } from './foreign-documents.js'

/** A Y.Doc whose fragment `build` fills, as another editor on the same Y.Doc would. */
function fragmentWith(build: (fragment: Y.XmlFragment) => void): Y.XmlFragment {
  const fragment = new Y.Doc().getXmlFragment(documentFragmentName)
  build(fragment)
  return fragment
}

/** Whether y-prosemirror, reading the fragment into the schema, deletes anything from the Y.Doc. */
function isDamagedByReading(fragment: Y.XmlFragment): boolean {
  let isDamaged = false
  fragment.doc!.on('update', () => { isDamaged = true })
  yXmlFragmentToProseMirrorRootNode(fragment, schema)
  return isDamaged
}

describe('findUnknownContent', () => {
  it('finds nothing in a document of the schema as y-prosemirror stores it', () => {
    const { nodes, marks } = schema
    const doc = nodes.doc!.create(null, [
      nodes.heading!.create({ level: 3 }, schema.text('Title')),
      nodes.paragraph!.create(null, [
        schema.text('bold', [marks.strong!.create()]),
        nodes.hard_break!.create(),
        schema.text('link', [marks.link!.create({ href: 'https://example.com', title: 'T' })]),
      ]),
      nodes.ordered_list!.create({ order: 3 }, nodes.list_item!.create(null, nodes.paragraph!.create(null, schema.text('item')))),
      nodes.blockquote!.create(null, nodes.code_block!.create(null, schema.text('x = 1'))),
      nodes.horizontal_rule!.create(),
    ])
    const fragment = new Y.Doc().getXmlFragment(documentFragmentName)
    prosemirrorToYXmlFragment(doc, fragment)
    expect(findUnknownContent(fragment)).toBeNull()
    expect(isDamagedByReading(fragment)).toBe(false)
    // Ending a mark's run (a null formatting value) adds nothing.
    const t = (fragment.get(1) as Y.XmlElement).get(0) as Y.XmlText
    t.format(0, 2, { strong: null, em: null })
    expect(findUnknownContent(fragment)).toBeNull()
  })

  it('finds nothing in tables, images and task lists as y-prosemirror stores them, and stores nothing new for other list items', () => {
    const { nodes } = schema
    const cell = (type: 'table_cell' | 'table_header', words: string, attrs: Record<string, unknown> = {}) =>
      nodes[type]!.create(attrs, nodes.paragraph!.create(null, schema.text(words)))
    const doc = nodes.doc!.create(null, [
      nodes.table!.create(null, [
        nodes.table_row!.create(null, [cell('table_header', 'a'), cell('table_header', 'b', { colwidth: [90] })]),
        nodes.table_row!.create(null, [cell('table_cell', 'both', { colspan: 2, rowspan: 1 })]),
      ]),
      nodes.paragraph!.create(null, [schema.text('see '), nodes.image!.create({ src: '/api/rooms/r/files/ab', alt: 'chart', width: 200 })]),
      nodes.bullet_list!.create(null, [
        nodes.list_item!.create({ checked: true }, nodes.paragraph!.create(null, schema.text('done'))),
        nodes.list_item!.create({ checked: false }, nodes.paragraph!.create(null, schema.text('open'))),
        nodes.list_item!.create(null, nodes.paragraph!.create(null, schema.text('plain'))),
      ]),
    ])
    const fragment = new Y.Doc().getXmlFragment(documentFragmentName)
    prosemirrorToYXmlFragment(doc, fragment)
    expect(findUnknownContent(fragment)).toBeNull()
    expect(isDamagedByReading(fragment)).toBe(false)
    expect(yXmlFragmentToProseMirrorRootNode(fragment, schema).eq(doc)).toBe(true)
    const items = (fragment.get(2) as Y.XmlElement).toArray() as Y.XmlElement[]
    expect(items.map((item) => item.getAttributes())).toEqual([{ checked: true }, { checked: false }, {}])
    expect((fragment.get(1) as Y.XmlElement).toString()).toBe('<paragraph>see <image alt="chart" src="/api/rooms/r/files/ab" width="200"></image></paragraph>')
  })

  it('names attribute values of tables, images and task items that an editor could not build, which y-prosemirror would delete', () => {
    const cases: Array<[string, Y.XmlElement]> = [
      ['attribute "src" = "javascript:alert(1)" on "image"', paragraph(xmlElement('image', [], { src: 'javascript:alert(1)' }))],
      ['attribute "src" = "data:image/png;base64,iVBOR" on "image"', paragraph(xmlElement('image', [], { src: 'data:image/png;base64,iVBOR' }))],
      ['attribute "width" = "wide" on "image"', paragraph(xmlElement('image', [], { src: '/a.png', width: 'wide' }))],
      ['attribute "checked" = "yes" on "list_item"', xmlElement('bullet_list', [xmlElement('list_item', [paragraph(text('x'))], { checked: 'yes' })])],
      ['attribute "colspan" = 0 on "table_cell"', xmlElement('table', [xmlElement('table_row', [xmlElement('table_cell', [paragraph(text('x'))], { colspan: 0 })])])],
      // Tiptap's task list, named by its outer node.
      ['node "taskList"', xmlElement('taskList', [xmlElement('taskItem', [paragraph(text('x'))], { checked: true })])],
    ]
    for (const [expected, block] of cases) {
      const fragment = fragmentWith((f) => f.insert(0, [block]))
      expect(findUnknownContent(fragment), expected).toBe(expected)
      expect(isDamagedByReading(fragment), expected).toBe(true)
    }
    // An image whose source another client left off builds (a picture missing) and is kept.
    const sourceless = fragmentWith((f) => f.insert(0, [paragraph(xmlElement('image', [], { alt: 'gone' }))]))
    expect(findUnknownContent(sourceless)).toBeNull()
    expect(isDamagedByReading(sourceless)).toBe(false)
  })

  it('names, as y-prosemirror would destroy them, the nodes and marks of another editor (Tiptap)', () => {
    const cases: Array<[string, (fragment: Y.XmlFragment) => void]> = [
      ['node "bulletList"', (f) => {
        const item = new Y.XmlElement('listItem')
        item.insert(0, [paragraph(text('one'))])
        const list = new Y.XmlElement('bulletList')
        list.insert(0, [item])
        f.insert(0, [paragraph(text('before')), list])
      }],
      ['node "hardBreak"', (f) => f.insert(0, [paragraph(text('a'), new Y.XmlElement('hardBreak'), text('b'))])],
      ['mark "bold"', (f) => f.insert(0, [paragraph(text('plain '), text('bold', { bold: {} }))])],
      ['mark "italic"', (f) => f.insert(0, [paragraph(text('x', { strong: {}, italic: {} }))])],
      ['attribute "level" = 4 on "heading"', (f) => {
        const heading = new Y.XmlElement('heading')
        heading.setAttribute('level', 4 as unknown as string)
        heading.insert(0, [text('deep')])
        f.insert(0, [heading])
      }],
      ['mark "link" with attributes {"title":"no href"}', (f) => f.insert(0, [paragraph(text('x', { link: { title: 'no href' } }))])],
    ]
    for (const [expected, build] of cases) {
      const fragment = fragmentWith(build)
      expect(findUnknownContent(fragment), expected).toBe(expected)
      expect(isDamagedByReading(fragment), expected).toBe(true)
    }
  })

  it('names attributes the schema lacks, which y-prosemirror leaves out of the node and removes at its next edit', () => {
    const aligned = fragmentWith((f) => {
      const p = paragraph(text('centred'))
      p.setAttribute('textAlign', 'center')
      f.insert(0, [p])
    })
    expect(findUnknownContent(aligned)).toBe('attribute "textAlign" on "paragraph"')
    const target = fragmentWith((f) => f.insert(0, [paragraph(text('x', { link: { href: 'https://a.example', target: '_blank' } }))]))
    expect(findUnknownContent(target)).toBe('attribute "target" on mark "link"')
  })

  it('names content that is not nodes and text: text outside blocks, embeds, other shared types, elements named text or doc, attributes of text', () => {
    expect(findUnknownContent(fragmentWith((f) => f.insert(0, [text('loose')])))).toBe('text outside any block')
    expect(findUnknownContent(fragmentWith((f) => {
      const t = new Y.XmlText()
      t.insertEmbed(0, { image: 'a.png' })
      f.insert(0, [paragraph(t)])
    }))).toBe('embed {"image":"a.png"} inside text')
    expect(findUnknownContent(fragmentWith((f) => f.insert(0, [new Y.XmlHook('widget') as unknown as Y.XmlElement])))).toBe('XML hook "widget"')
    // Text is Y.XmlText and the document is the fragment: as elements, neither is a node.
    expect(findUnknownContent(fragmentWith((f) => f.insert(0, [new Y.XmlElement('text')])))).toBe('node "text"')
    expect(findUnknownContent(fragmentWith((f) => f.insert(0, [new Y.XmlElement('doc')])))).toBe('node "doc"')
    expect(findUnknownContent(fragmentWith((f) => {
      const t = text('x')
      t.setAttribute('lang', 'en')
      f.insert(0, [paragraph(t)])
    }))).toBe('attribute "lang" on text')
    const long = 'n'.repeat(100)
    expect(findUnknownContent(fragmentWith((f) => f.insert(0, [new Y.XmlElement(long)])))).toBe(`node "${'n'.repeat(40)}…"`)
  })
})

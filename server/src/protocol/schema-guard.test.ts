import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { prosemirrorToYXmlFragment } from 'y-prosemirror'
import * as Y from 'yjs'
import { CLOSE_INVALID_PAYLOAD } from '@ortak/protocol'
import { documentFragmentName, schema } from '@ortak/schema'
import { paragraph, xmlText as text } from '../../../packages/schema/test/foreign-documents.js'
import { markdownToDocument } from '../documents/markdown.js'
import { findContentProblem } from './schema-guard.js'

/**
 * A client's document and the room's: `edit` changes the client's, and
 * the update it made is checked against the room's, then applied to it
 * when it passes (as the room does).
 */
class Room {
  readonly doc = new Y.Doc()
  readonly client = new Y.Doc()

  get fragment(): Y.XmlFragment {
    return this.client.getXmlFragment(documentFragmentName)
  }

  /** The problem the guard finds in the update `edit` makes; applies it to the room if there is none. */
  check(edit: (client: Y.Doc) => void): string | null {
    const updates: Uint8Array[] = []
    const record = (update: Uint8Array) => void updates.push(update)
    this.client.on('update', record)
    edit(this.client)
    this.client.off('update', record)
    const update = Y.mergeUpdates(updates)
    const problem = findContentProblem(update, this.doc)?.description ?? null
    if (problem === null) Y.applyUpdate(this.doc, update)
    return problem
  }

  /** Puts `update` into the room as storage would, unchecked, and into the client. */
  load(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update)
    Y.applyUpdate(this.client, update)
  }
}

const block = (room: Room, index: number) => room.fragment.get(index) as Y.XmlElement
const textOf = (element: Y.XmlElement) => element.get(0) as Y.XmlText

describe('findContentProblem', () => {
  it('passes what an Ortak editor writes: a whole document, keystrokes, marks, attributes, new blocks', async () => {
    const room = new Room()
    const document = await markdownToDocument('# Title\n\nSome **bold** and a [link](https://example.com "T").\n\n* one\n* two\n\n3. three\n\n```\ncode\n```\n\n---\n\nline\\\nbreak')
    expect(room.check((client) => prosemirrorToYXmlFragment(document, client.getXmlFragment(documentFragmentName)))).toBeNull()
    const body = textOf(block(room, 1))
    expect(room.check(() => body.insert(4, ' typed'))).toBeNull()
    expect(room.check(() => {
      // Several keystrokes sent as one update: each character's origin is the one before it, in the same update.
      for (const [i, ch] of [...'abc'].entries()) body.insert(1 + i, ch)
    })).toBeNull()
    expect(room.check(() => body.format(0, 4, { em: {}, strike: {} }))).toBeNull()
    expect(room.check(() => body.format(0, 4, { em: null }))).toBeNull()
    expect(room.check(() => block(room, 0).setAttribute('level', 2 as unknown as string))).toBeNull()
    expect(room.check(() => room.fragment.insert(2, [paragraph(text('new', { code: {} }))]))).toBeNull()
    expect(room.check(() => room.fragment.delete(0, 2))).toBeNull()
  })

  it('lets a keystroke after text through, and still refuses a string written beside the blocks themselves', async () => {
    const room = new Room()
    const typed = await markdownToDocument('typed')
    room.check((client) => prosemirrorToYXmlFragment(typed, client.getXmlFragment(documentFragmentName)))
    expect(room.check(() => textOf(block(room, 0)).insert(5, '!'))).toBeNull()
    expect(room.check(() => textOf(block(room, 0)).delete(0, 1))).toBeNull()
    // A string whose origin is the paragraph itself: Yjs puts it in the paragraph's parent, the fragment.
    const paragraphItem = block(room, 0)._item!
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 1) // one client
    encoding.writeVarUint(e, 1) // one struct
    encoding.writeVarUint(e, 4242) // client
    encoding.writeVarUint(e, 0) // clock
    encoding.writeUint8(e, 4 | 0b1000_0000) // a string, with an origin
    encoding.writeVarUint(e, paragraphItem.id.client)
    encoding.writeVarUint(e, paragraphItem.id.clock)
    encoding.writeVarString(e, 'loose')
    encoding.writeVarUint(e, 0) // no deletions
    expect(findContentProblem(encoding.toUint8Array(e), room.doc)?.description).toBe('a string outside text')
  })

  it("refuses another editor's nodes, marks and attributes, put anywhere in the fragment", () => {
    const stored = new Room()
    stored.check((client) => client.getXmlFragment(documentFragmentName).insert(0, [paragraph(text('hello')), new Y.XmlElement('heading')]))
    const base = Y.encodeStateAsUpdate(stored.doc)
    const list = () => {
      const item = new Y.XmlElement('listItem')
      item.insert(0, [paragraph(text('one'))])
      const bulletList = new Y.XmlElement('bulletList')
      bulletList.insert(0, [item])
      return bulletList
    }
    const cases: Array<[string, (room: Room, body: Y.XmlText) => void]> = [
      ['node "bulletList"', (room) => room.fragment.insert(0, [list()])],
      ['node "hardBreak"', (room) => block(room, 0).insert(1, [new Y.XmlElement('hardBreak'), text('after')])],
      ['mark "bold"', (_, body) => body.format(0, 5, { bold: {} })],
      ['mark "italic"', (_, body) => body.insert(5, ' world', { italic: {} })],
      ['mark "underline"', (room) => room.fragment.insert(2, [paragraph(text('x', { strong: {}, underline: {} }))])],
      ['attribute "textAlign" on "paragraph"', (room) => block(room, 0).setAttribute('textAlign', 'center')],
      ['attribute "level" = 6 on "heading"', (room) => block(room, 1).setAttribute('level', 6 as unknown as string)],
      ['attribute "target" on mark "link"', (_, body) => body.format(0, 2, { link: { href: 'https://a.example', target: '_blank' } })],
      ['link to an address other than http(s), mailto, tel or relative', (_, body) => body.format(0, 2, { link: { href: 'javascript:alert(1)' } })],
      ['text outside any block', (room) => room.fragment.insert(0, [text('loose')])],
      ['an embed inside text', (_, body) => body.insertEmbed(0, { image: 'a.png' })],
      ['attribute "lang" on text', (_, body) => body.setAttribute('lang', 'en')],
      ['XML hook "widget"', (room) => room.fragment.insert(0, [new Y.XmlHook('widget') as unknown as Y.XmlElement])],
    ]
    for (const [expected, edit] of cases) {
      const room = new Room()
      room.load(base)
      expect(room.check(() => edit(room, textOf(block(room, 0)))), expected).toBe(expected)
      // Nothing of it reached the room.
      expect(room.doc.getXmlFragment(documentFragmentName).toString(), expected).toBe('<paragraph>hello</paragraph><heading></heading>')
    }
  })

  it('passes tables, images and task items as an Ortak editor writes and changes them, and refuses values it could not build', () => {
    const { nodes } = schema
    const cell = (words: string) => nodes.table_cell!.create(null, nodes.paragraph!.create(null, schema.text(words)))
    const room = new Room()
    expect(room.check((client) => prosemirrorToYXmlFragment(nodes.doc!.create(null, [
      nodes.table!.create(null, [nodes.table_row!.create(null, [
        nodes.table_header!.create(null, nodes.paragraph!.create()), cell('b'),
      ])]),
      nodes.paragraph!.create(null, nodes.image!.create({ src: '/api/rooms/r/files/ab', alt: 'chart' })),
      nodes.bullet_list!.create(null, nodes.list_item!.create({ checked: false }, nodes.paragraph!.create(null, schema.text('todo')))),
    ]), client.getXmlFragment(documentFragmentName)))).toBeNull()
    const table = block(room, 0)
    const row = table.get(0) as Y.XmlElement
    const item = block(room, 2).get(0) as Y.XmlElement
    const image = block(room, 1).get(0) as Y.XmlElement
    // Toggling a task, merging cells, resizing a column, sizing a picture.
    expect(room.check(() => item.setAttribute('checked', true as unknown as string))).toBeNull()
    expect(room.check(() => {
      ;(row.get(0) as Y.XmlElement).setAttribute('colspan', 2 as unknown as string)
      ;(row.get(0) as Y.XmlElement).setAttribute('colwidth', [120, 80] as unknown as string)
      row.delete(1, 1)
    })).toBeNull()
    expect(room.check(() => image.setAttribute('width', 240 as unknown as string))).toBeNull()
    expect(room.check(() => table.insert(1, [new Y.XmlElement('table_row')]))).toBeNull()


    // Each refused edit on a fresh copy: a refused update stays in the client that made it, and later edits build on it.
    const base = Y.encodeStateAsUpdate(room.doc)
    const cases: Array<[string, (parts: { image: Y.XmlElement; item: Y.XmlElement; row: Y.XmlElement; list: Y.XmlElement }) => void]> = [
      ['attribute "src" = "javascript:alert(1)" on "image"', ({ image }) => image.setAttribute('src', 'javascript:alert(1)')],
      ['attribute "src" = "data:image/svg+xml,<svg onload=alert(1)>" on "image"', ({ image }) => image.setAttribute('src', 'data:image/svg+xml,<svg onload=alert(1)>')],
      ['attribute "onerror" on "image"', ({ image }) => image.setAttribute('onerror', 'alert(1)')],
      ['attribute "checked" = "yes" on "list_item"', ({ item }) => item.setAttribute('checked', 'yes')],
      ['attribute "rowspan" = 1000000000 on "table_header"', ({ row }) => (row.get(0) as Y.XmlElement).setAttribute('rowspan', 1e9 as unknown as string)],
      ['attribute "colwidth" = "wide" on "table_header"', ({ row }) => (row.get(0) as Y.XmlElement).setAttribute('colwidth', 'wide')],
      ['node "tableCell"', ({ row }) => row.insert(0, [new Y.XmlElement('tableCell')])],
      ['node "taskItem"', ({ list }) => list.insert(1, [new Y.XmlElement('taskItem')])],
    ]
    for (const [expected, edit] of cases) {
      const copy = new Room()
      copy.load(base)
      const list = block(copy, 2)
      const parts = { image: block(copy, 1).get(0) as Y.XmlElement, item: list.get(0) as Y.XmlElement, row: block(copy, 0).get(0) as Y.XmlElement, list }
      expect(copy.check(() => edit(parts)), expected).toBe(expected)
    }
  })

  it('refuses to overwrite an attribute with a value the schema does not accept', () => {
    const room = new Room()
    room.check((client) => {
      const heading = new Y.XmlElement('heading')
      heading.setAttribute('level', 1 as unknown as string)
      client.getXmlFragment(documentFragmentName).insert(0, [heading])
    })
    // The new value's origin is the old one: its element and key come from the room's document.
    expect(room.check(() => block(room, 0).setAttribute('level', 3 as unknown as string))).toBeNull()
    expect(room.check(() => block(room, 0).setAttribute('level', 4 as unknown as string))).toBe('attribute "level" = 4 on "heading"')
  })

  it('leaves other root types and fragments alone, so other Yjs apps can use the server', () => {
    const room = new Room()
    expect(room.check((client) => {
      const item = new Y.XmlElement('listItem')
      item.insert(0, [text('theirs', { bold: {} })])
      client.getXmlFragment('tiptap').insert(0, [item])
      client.getText('notes').insert(0, 'bold', { bold: true })
      client.getMap('settings').set('theme', 'dark')
      const nested = new Y.Map<Y.XmlFragment>()
      client.getMap('panels').set('side', nested)
      nested.set('content', new Y.XmlFragment())
    })).toBeNull()
    expect(room.check((client) => textOf(client.getXmlFragment('tiptap').get(0) as Y.XmlElement).insert(0, 'more ', { italic: {} }))).toBeNull()
    expect(room.check((client) => (client.getMap('panels').get('side') as Y.Map<Y.XmlFragment>).get('content')!.insert(0, [new Y.XmlElement('bulletList')]))).toBeNull()
  })

  it('lets what was stored before the guard be deleted, and refuses adding to it', () => {
    const legacy = new Y.Doc()
    const list = new Y.XmlElement('bulletList')
    legacy.getXmlFragment(documentFragmentName).insert(0, [list, paragraph(text('kept'))])
    const room = new Room()
    room.load(Y.encodeStateAsUpdate(legacy))
    expect(room.check(() => block(room, 0).insert(0, [new Y.XmlElement('listItem')]))).toBe('content inside node "bulletList"')
    // A client repeating the stored state (sync step 2 from a copy of it) adds nothing: it is not refused.
    expect(findContentProblem(Y.encodeStateAsUpdate(legacy), room.doc)).toBeNull()
    expect(room.check(() => room.fragment.delete(0, 1))).toBeNull()
  })

  it('resolves the parents of content the update itself creates, however long the chain', () => {
    const room = new Room()
    expect(room.check((client) => {
      const fragment = client.getXmlFragment(documentFragmentName)
      const quote = new Y.XmlElement('blockquote')
      fragment.insert(0, [quote])
      const inner = paragraph(text(''))
      quote.insert(0, [inner])
      // One item per keystroke, each the origin of the next, all in this update.
      for (let i = 0; i < 2000; i++) textOf(inner).insert(i, 'x')
      textOf(inner).format(1500, 1, { bold: {} })
    })).toBe('mark "bold"')
  })
})

/** An update of client 4242 putting one value of `kind` right after `origin`, as no Yjs text API would. */
function valueAfter(origin: Y.ID, kind: 'any' | 'json' | 'binary' | 'subdocument'): Uint8Array {
  const contentRef = { json: 2, binary: 3, any: 8, subdocument: 9 }[kind]
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // one client
  encoding.writeVarUint(e, 1) // one struct
  encoding.writeVarUint(e, 4242)
  encoding.writeVarUint(e, 0)
  encoding.writeUint8(e, contentRef | 0b1000_0000) // with an origin
  encoding.writeVarUint(e, origin.client)
  encoding.writeVarUint(e, origin.clock)
  if (kind === 'any') {
    encoding.writeVarUint(e, 2)
    encoding.writeAny(e, 'a')
    encoding.writeAny(e, 'b')
  } else if (kind === 'json') {
    encoding.writeVarUint(e, 2)
    encoding.writeVarString(e, '"a"')
    encoding.writeVarString(e, '"b"')
  } else if (kind === 'binary') {
    encoding.writeVarUint8Array(e, new Uint8Array([1, 2]))
  } else {
    encoding.writeVarString(e, 'sub-guid')
    encoding.writeAny(e, {})
  }
  encoding.writeVarUint(e, 0) // no deletions
  return encoding.toUint8Array(e)
}

/** The id of the last character of `text`, in the client's copy of the room. */
const lastCharacter = (text: Y.Text) => {
  let item = text._start
  while (item!.right) item = item!.right
  return Y.createID(item!.id.client, item!.id.clock + item!.length - 1)
}

describe('findContentProblem outside the fragment', () => {
  it("refuses a value put into another app's text, root or nested, which Yjs would count but never delete", () => {
    const room = new Room()
    expect(room.check((client) => {
      client.getText('t').insert(0, 'hi 👋 ', { bold: true })
      client.getText('t').insertEmbed(3, { image: 'a.png' })
      client.getMap('cards').set('body', new Y.Text('card'))
    })).toBeNull()
    const root = room.client.getText('t')
    const nested = room.client.getMap('cards').get('body') as Y.Text
    const cases: Array<[Y.Text, Parameters<typeof valueAfter>[1], string]> = [
      [root, 'any', 'a value inside the text of root "t", which Yjs would count but never delete'],
      [root, 'json', 'a value inside the text of root "t", which Yjs would count but never delete'],
      [root, 'binary', 'binary data inside the text of root "t", which Yjs would count but never delete'],
      [root, 'subdocument', 'a subdocument inside the text of root "t", which Yjs would count but never delete'],
      [nested, 'any', 'a value inside a nested text, which Yjs would count but never delete'],
    ]
    for (const [text, kind, expected] of cases) {
      expect(findContentProblem(valueAfter(lastCharacter(text), kind), room.doc), kind).toEqual({ code: CLOSE_INVALID_PAYLOAD, description: expected })
    }
    // What a text's own API writes goes on passing: more text, formatting, embeds, and its attributes elsewhere.
    expect(room.check(() => root.insert(2, '!', { italic: true }))).toBeNull()
    expect(room.check(() => nested.insertEmbed(0, { formula: 'x' }))).toBeNull()
    expect(room.check((client) => {
      const text = new Y.XmlText('theirs')
      client.getXmlFragment('tiptap').insert(0, [text])
      text.setAttribute('lang', 'en')
    })).toBeNull()
  })

  it('keeps a root that holds values (another client\'s Y.Array) free of text, and an empty root from getting both in one update', () => {
    const room = new Room()
    expect(room.check((client) => client.getArray('list').insert(0, [1, { two: 2 }]))).toBeNull()
    const asText = new Y.Doc()
    asText.getText('list').insert(0, 'x')
    expect(findContentProblem(Y.encodeStateAsUpdate(asText), room.doc)).toEqual({ code: CLOSE_INVALID_PAYLOAD, description: 'a string in root "list", which holds values' })
    // Values go on passing, and so do shared types, which an array and a text may both hold.
    expect(room.check((client) => client.getArray('list').insert(2, [3, new Y.Map()]))).toBeNull()

    const values = new Y.Doc()
    values.clientID = 1
    values.getArray('mixed').insert(0, [1])
    const text = new Y.Doc()
    text.clientID = 2
    text.getText('mixed').insert(0, 'x')
    const both = Y.mergeUpdates([Y.encodeStateAsUpdate(values), Y.encodeStateAsUpdate(text)])
    expect(findContentProblem(both, room.doc)?.description).toMatch(/^(a string|a value) in root "mixed", beside (values|text) this update puts there$/)
    expect(findContentProblem(Y.encodeStateAsUpdate(text), room.doc)).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { documentFragmentName } from '@ortak/schema'
import { UnknownContentWatch } from '../src/unknown-content-watch.js'

/** A watched fragment, a record of what the watch found, and of the order in which it and a later observer heard. */
function watched() {
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment(documentFragmentName)
  const heard: string[] = []
  const watch = new UnknownContentWatch(fragment, (problem) => heard.push(`found ${problem}`))
  // Registered after the watch, as y-prosemirror's binding is.
  fragment.observeDeep(() => heard.push('binding'))
  return { doc, fragment, heard, watch }
}

function paragraph(words: string, marks?: Record<string, unknown>): Y.XmlElement {
  const element = new Y.XmlElement('paragraph')
  const text = new Y.XmlText()
  text.insert(0, words, marks)
  element.insert(0, [text])
  return element
}

describe('UnknownContentWatch', () => {
  it('lets what the schema knows through, keystroke by keystroke', () => {
    const { fragment, heard, watch } = watched()
    fragment.insert(0, [paragraph('hello')])
    const text = (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText
    text.insert(5, ' world', { strong: {} })
    text.format(0, 5, { em: {} })
    ;(fragment.get(0) as Y.XmlElement).insert(1, [new Y.XmlElement('hard_break')])
    expect(watch.found).toBeNull()
    expect(heard).toEqual(['binding', 'binding', 'binding', 'binding'])
  })

  it('names what the schema does not know before the binding hears of the change, and only once', () => {
    const cases: Array<[string, (fragment: Y.XmlFragment) => void]> = [
      ['node "bulletList"', (f) => f.insert(1, [new Y.XmlElement('bulletList')])],
      ['mark "bold"', (f) => ((f.get(0) as Y.XmlElement).get(0) as Y.XmlText).format(0, 2, { bold: {} })],
      ['attribute "textAlign" on "paragraph"', (f) => (f.get(0) as Y.XmlElement).setAttribute('textAlign', 'center')],
      ['node "hardBreak"', (f) => (f.get(0) as Y.XmlElement).insert(1, [new Y.XmlElement('hardBreak')])],
      ['mark "italic"', (f) => f.insert(1, [paragraph('deep inside a new block', { italic: {} })])],
    ]
    for (const [expected, change] of cases) {
      const { fragment, heard, watch } = watched()
      fragment.insert(0, [paragraph('hello')])
      heard.length = 0
      change(fragment)
      expect(watch.found, expected).toBe(expected)
      expect(heard, expected).toEqual([`found ${expected}`, 'binding'])
      fragment.insert(0, [new Y.XmlElement('orderedList')])
      expect(heard, expected).toEqual([`found ${expected}`, 'binding', 'binding'])
    }
  })

  it('finds what a whole document received at once holds, as from the server or the offline copy', () => {
    const other = new Y.Doc()
    other.getXmlFragment(documentFragmentName).insert(0, [paragraph('fine'), new Y.XmlElement('codeBlock')])
    const { doc, heard, watch } = watched()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    expect(watch.found).toBe('node "codeBlock"')
    expect(heard).toEqual(['found node "codeBlock"', 'binding'])
  })
})

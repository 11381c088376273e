/** Documents as other editors store them through y-prosemirror, for the tests of what the schema does not know. */
import * as Y from 'yjs'

/** A Y.XmlElement named `name` holding `children`, with `attributes` set as y-prosemirror sets node attributes. */
export function xmlElement(name: string, children: Array<Y.XmlElement | Y.XmlText> = [], attributes: Record<string, unknown> = {}): Y.XmlElement {
  const element = new Y.XmlElement(name)
  // Attribute values are any JSON value (a heading's level is a number), whatever Yjs' typing says.
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value as string)
  element.insert(0, children)
  return element
}

/** A Y.XmlText holding `words`, formatted with `marks` (mark name -> its attributes). */
export function xmlText(words: string, marks?: Record<string, unknown>): Y.XmlText {
  const text = new Y.XmlText()
  text.insert(0, words, marks)
  return text
}

/** A paragraph holding `children`. */
export const paragraph = (...children: Array<Y.XmlElement | Y.XmlText>) => xmlElement('paragraph', children)

/**
 * A document as Tiptap's StarterKit stores it in the `prosemirror` fragment: its own node and
 * mark names (`bulletList`, `hardBreak`, `bold`), a code block's language, a level-4 heading.
 * The first thing in it that Ortak's schema does not know is the mark `bold`.
 */
export function tiptapDocument(): Y.Doc {
  const doc = new Y.Doc()
  doc.getXmlFragment('prosemirror').insert(0, [
    paragraph(xmlText('Plain words.')),
    paragraph(xmlText('Some '), xmlText('bold', { bold: {} }), xmlText(' and '), xmlText('italic', { italic: {} }), xmlText(' words.')),
    xmlElement('bulletList', [xmlElement('listItem', [paragraph(xmlText('an item'))])]),
    paragraph(xmlText('one line'), xmlElement('hardBreak'), xmlText('and the next')),
    xmlElement('codeBlock', [xmlText('let x = 1')], { language: 'js' }),
    xmlElement('heading', [xmlText('Deep heading')], { level: 4 }),
    xmlElement('horizontalRule'),
  ])
  return doc
}

/**
 * Two editors making the same word strong at once: the updates that leave
 * a text with redundant format marks, which Yjs's own documents tidy away
 * after receiving them (see server/src/documents/replica-doc.ts).
 */
import * as Y from 'yjs'
import { documentFragmentName } from '@ortak/schema/spec'

/** The text of the document's first paragraph. */
export const firstText = (doc: Y.Doc) => (doc.getXmlFragment(documentFragmentName).get(0) as Y.XmlElement).get(0) as Y.XmlText

/** A paragraph "hello world", then each editor's update making "hello" strong, made from the paragraph alone. */
export function concurrentStrong(): { base: Uint8Array; first: Uint8Array; second: Uint8Array } {
  const writer = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText('hello world')])
  writer.getXmlFragment(documentFragmentName).insert(0, [paragraph])
  const base = Y.encodeStateAsUpdate(writer)
  const strong = (clientID: number) => {
    const doc = new Y.Doc()
    doc.clientID = clientID
    Y.applyUpdate(doc, base)
    const before = Y.encodeStateVector(doc)
    firstText(doc).format(0, 5, { strong: {} })
    return Y.encodeStateAsUpdate(doc, before)
  }
  return { base, first: strong(1), second: strong(2) }
}

/** What the paragraph shows once both updates are in. */
export const STRONG_HELLO = [{ insert: 'hello', attributes: { strong: {} } }, { insert: ' world' }]

/**
 * The ProseMirror document inside a room's Y.Doc: the Y.XmlFragment the
 * editor binds with y-prosemirror. Reading it and computing the one Yjs
 * update that replaces it always work on a copy of the room's Y.Doc: the
 * room's own document changes only through its update path, and
 * y-prosemirror removes elements the schema rejects while it reads.
 */
import type { Node } from 'prosemirror-model'
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { documentFragmentName, findUnknownContent, schema } from '@ortak/schema/spec'
import { yDocFromUpdates } from './replica-doc.js'

function copyOf(doc: Y.Doc): Y.Doc {
  return yDocFromUpdates([Y.encodeStateAsUpdate(doc)])
}

/** The document held by `doc`, read from a copy so `doc` itself never changes. */
export function readDocument(doc: Y.Doc): Node {
  return yXmlFragmentToProseMirrorRootNode(copyOf(doc).getXmlFragment(documentFragmentName), schema)
}

/** What in the fragment of `doc` the schema does not know, described (`node "bulletList"`); null if it knows all of it. */
export function unknownContentOf(doc: Y.Doc): string | null {
  return findUnknownContent(doc.getXmlFragment(documentFragmentName))
}

/**
 * What of `doc` a ProseMirror document of the schema would leave out,
 * described; null if it holds all of it. That is content of the fragment
 * the schema does not know, or, when the fragment is empty, whatever is in
 * the Y.Doc's other shared types: a room another Yjs app wrote, which read
 * as a document would look empty. Other types next to a document are the
 * app's own data, not part of the document, and are not named.
 */
export function describeUnreadable(doc: Y.Doc): string | null {
  const unknown = unknownContentOf(doc)
  if (unknown) return `the document holds content its schema does not know: ${unknown}`
  if (doc.getXmlFragment(documentFragmentName).length > 0) return null
  const others = [...doc.share].filter(([name, type]) => name !== documentFragmentName && holdsAnything(type)).map(([name]) => JSON.stringify(name))
  if (others.length === 0) return null
  return `the document is empty, and the room holds other shared types: ${others.join(', ')}`
}

function holdsAnything(type: Y.AbstractType<Y.YEvent<any>>): boolean {
  if (type._length > 0) return true
  for (const item of type._map.values()) if (!item.deleted) return true
  return false
}

/**
 * Whether a document has nothing anyone wrote in it: no blocks, or only
 * empty paragraphs (what an editor shows for a new document).
 */
export function isBlankDocument(doc: Node): boolean {
  let isBlank = true
  doc.forEach((block) => {
    if (block.type !== schema.nodes.paragraph || block.content.size > 0) isBlank = false
  })
  return isBlank
}

/**
 * The one Yjs update that turns the document held by `doc` into `next`,
 * or null if it already is `next`. y-prosemirror's diff keeps the blocks
 * both have, so editors with a cursor in an unchanged paragraph keep it.
 * `doc` is not changed: the caller applies the update through the room.
 */
export function replacementUpdate(doc: Y.Doc, next: Node): Uint8Array | null {
  const copy = copyOf(doc)
  let update: Uint8Array | null = null
  // One transaction, so exactly one update event: the whole replacement is a single change.
  copy.on('update', (u: Uint8Array) => {
    update = update ? Y.mergeUpdates([update, u]) : u
  })
  copy.transact(() => {
    prosemirrorToYXmlFragment(next, copy.getXmlFragment(documentFragmentName))
  })
  copy.destroy()
  return update
}

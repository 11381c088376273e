/**
 * What the schema does not know, asked of a document in the form
 * y-prosemirror stores it: the Y.XmlFragment `documentFragmentName`, whose
 * Y.XmlElements are nodes (named after their node type, the node's
 * attributes as the element's attributes) and whose Y.XmlTexts hold text
 * (each mark a formatting attribute named after the mark, the mark's
 * attributes as its value).
 *
 * Everything named here would be destroyed by an editor of this schema:
 * while y-prosemirror reads a fragment it deletes, from the shared Y.Doc,
 * every element it cannot build a node from and every text whose marks it
 * cannot build, and it leaves attributes it does not know out of the node,
 * to remove them at the next edit. So the server refuses to store such
 * content, the editor opens a document holding it read-only, and an export
 * says what it could not render. The descriptions are short phrases
 * (`node "bulletList"`) for those messages.
 */
import type { Attrs, MarkType, NodeType } from 'prosemirror-model'
import * as Y from 'yjs'
import { schema } from './schema.js'

const MAX_QUOTED_LENGTH = 40

// Names and values come from other people's documents: a message shows a bounded prefix of them,
// a string quoted and any other value as JSON.
function quoted(value: unknown): string {
  const cut = (text: string) => (text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…` : text)
  if (typeof value === 'string') return JSON.stringify(cut(value))
  try {
    return cut(JSON.stringify(value) ?? String(value))
  } catch {
    return cut(String(value))
  }
}

const nodeTypeNamed = (name: string): NodeType | undefined => (Object.hasOwn(schema.nodes, name) ? schema.nodes[name] : undefined)
const markTypeNamed = (name: string): MarkType | undefined => (Object.hasOwn(schema.marks, name) ? schema.marks[name] : undefined)

// y-prosemirror stores a mark that does not exclude its own type under its name, "--" and a hash, so two can overlap.
const overlappingMarkKey = /^(.*)--[a-zA-Z0-9+/=]{8}$/

/** The mark a formatting attribute of a Y.XmlText stands for, as y-prosemirror reads it. */
export function markNameOf(formatKey: string): string {
  return overlappingMarkKey.exec(formatKey)?.[1] ?? formatKey
}

/** What is wrong with an element named `nodeName`, or null if it is a node of the schema. */
export function describeUnknownNode(nodeName: string): string | null {
  const type = nodeTypeNamed(nodeName)
  // Text is a Y.XmlText and the top node is the fragment itself: neither is ever an element.
  if (!type || type.isText || type === schema.topNodeType) return `node ${quoted(nodeName)}`
  return null
}

/** What is wrong with attribute `key` = `value` on an element of the known node `nodeName`, or null if the node takes it. */
export function describeUnknownAttribute(nodeName: string, key: string, value: unknown): string | null {
  const type = nodeTypeNamed(nodeName)!
  if (!Object.hasOwn(type.spec.attrs ?? {}, key)) return `attribute ${quoted(key)} on ${quoted(nodeName)}`
  try {
    // What y-prosemirror does with it: the node type's own validation.
    type.create({ [key]: value })
  } catch {
    return `attribute ${quoted(key)} = ${quoted(value)} on ${quoted(nodeName)}`
  }
  return null
}

/** What is wrong with formatting `key` = `value` in a Y.XmlText, or null if it is a mark of the schema (or ends one). */
export function describeUnknownMark(key: string, value: unknown): string | null {
  // A null value ends a formatting run: it removes a mark and adds none.
  if (value === null) return null
  const name = markNameOf(key)
  const type = markTypeNamed(name)
  if (!type) return `mark ${quoted(name)}`
  if (typeof value === 'object') {
    for (const attribute of Object.keys(value)) {
      if (!Object.hasOwn(type.spec.attrs ?? {}, attribute)) return `attribute ${quoted(attribute)} on mark ${quoted(name)}`
    }
  }
  try {
    type.create(value as Attrs)
  } catch {
    return `mark ${quoted(name)} with attributes ${quoted(value)}`
  }
  return null
}

/** A value where the fragment has no place for it (not a node, or not text), described. */
export function describeForeignValue(value: unknown): string {
  if (value instanceof Y.XmlHook) return `XML hook ${quoted(value.hookName)}`
  if (value instanceof Y.XmlElement) return `element ${quoted(value.nodeName)}`
  if (value instanceof Y.XmlText) return 'a Y.XmlText'
  if (value instanceof Y.XmlFragment) return 'a nested XML fragment'
  if (value instanceof Y.Text) return 'a Y.Text'
  if (value instanceof Y.Map) return 'a Y.Map'
  if (value instanceof Y.Array) return 'a Y.Array'
  if (value instanceof Y.Doc) return 'a subdocument'
  if (value instanceof Uint8Array) return 'binary data'
  return `the value ${quoted(value)}`
}

/** The attributes of `type` the schema does not know (the fragment has none; a node those of its type). */
export function findUnknownAttributes(type: Y.XmlFragment | Y.XmlText): string | null {
  if (type instanceof Y.XmlElement) {
    const nodeName = type.nodeName
    if (describeUnknownNode(nodeName)) return null
    for (const [key, value] of Object.entries(type.getAttributes())) {
      const problem = describeUnknownAttribute(nodeName, key, value)
      if (problem) return problem
    }
    return null
  }
  for (const [key, item] of type._map) {
    if (!item.deleted) return `attribute ${quoted(key)} on ${type instanceof Y.XmlText ? 'text' : 'the document'}`
  }
  return null
}

function findUnknownInText(text: Y.XmlText): string | null {
  const problem = findUnknownAttributes(text)
  if (problem) return problem
  for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
    if (typeof op.insert !== 'string') {
      const what = op.insert instanceof Y.AbstractType ? describeForeignValue(op.insert) : `embed ${quoted(op.insert)}`
      return `${what} inside text`
    }
    for (const [key, value] of Object.entries(op.attributes ?? {})) {
      const markProblem = describeUnknownMark(key, value)
      if (markProblem) return markProblem
    }
  }
  return null
}

/**
 * The first thing in `type` or below it that the schema does not know,
 * described; null if it knows all of it. `type` is the document's fragment,
 * or an element or text inside it. The walk keeps its own stack: a
 * document nested deeper than the call stack is answered, not thrown.
 */
export function findUnknownContent(type: Y.XmlFragment | Y.XmlText): string | null {
  const pending: unknown[] = [type]
  while (pending.length > 0) {
    const value = pending.pop()
    if (value instanceof Y.XmlText) {
      // Text sits in nodes: y-prosemirror cannot read it as a block of its own.
      const problem = value.parent === null || value.parent instanceof Y.XmlElement ? findUnknownInText(value) : 'text outside any block'
      if (problem) return problem
    } else if (value instanceof Y.XmlElement || value === type) {
      const fragment = value as Y.XmlFragment
      const problem = (value instanceof Y.XmlElement ? describeUnknownNode(value.nodeName) : null) ?? findUnknownAttributes(fragment)
      if (problem) return problem
      const children = fragment.toArray()
      // Pushed last to first: the first problem in document order is the one named.
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i])
    } else {
      return describeForeignValue(value)
    }
  }
  return null
}

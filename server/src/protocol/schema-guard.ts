/**
 * Whether a Yjs update (encoding v1) puts into the document's fragment
 * something the schema does not know, decided from the update's structs
 * before it is applied. An Ortak editor would destroy such content for
 * everyone (see @ortak/schema's unknown-content.ts), so the room refuses
 * the update instead: an editor with another schema (Tiptap's `bulletList`,
 * `bold`) learns at its first such change that this server cannot keep its
 * documents. Content outside the fragment (other root types, other
 * fragments) may be anything other Yjs apps write, with one exception: a
 * text holds text. Yjs's text counts a value (JSON, `any`, binary, a
 * subdocument) in its sequence when it turns an index into a position but
 * never deletes one, so an editor's delete beside such a value lands on the
 * next character, half of an emoji included; the room refuses that half
 * (update-guard.ts) and the editor, which sends it again on every
 * reconnect, never syncs again. So a value may not go into a text, nor text
 * into a root that holds values (a root's kind is known only from what it
 * holds: the server never types root types).
 *
 * Each struct's parent is found from the update alone when it names it (a
 * root's name, or the id of a type), else from the item next to it (its
 * origin): looked up in the room's document, or in the update itself when
 * the update creates both. Only the few types met are walked up to their
 * root, and each once per update, so a keystroke (one struct beside text
 * that is already there) costs a lookup, not a walk of the document. An
 * item whose neighbours neither the document nor the update holds is not
 * checked: the room holds such an update back until it is complete (see
 * rooms/waiting-updates.ts) and checks it then.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { CLOSE_INVALID_PAYLOAD, CLOSE_UNKNOWN_CONTENT } from '@ortak/protocol'
import {
  describeForeignValue, describeUnknownAttribute, describeUnknownMark, describeUnknownNode, documentFragmentName,
  isSafeHref, markNameOf,
} from '@ortak/schema/spec'
import { ProtocolError } from './messages.js'

/** Any shared type: the guard asks only where it sits and what it is. */
type SharedType = Y.AbstractType<Y.YEvent<any>>
type Content = Y.Item['content']

const CONTENT_STRING = 4
const HAS_ORIGIN = 0b1000_0000

/**
 * The common case, decided from a few varints without decoding the update:
 * only deletions, or one string inserted after a string the document holds
 * (a keystroke). Its parent is that string's, a text type, where a string
 * cannot be a node, mark or attribute.
 */
function isTypingIntoText(update: Uint8Array, doc: Y.Doc): boolean {
  const decoder = decoding.createDecoder(update)
  const clients = decoding.readVarUint(decoder)
  if (clients === 0) return true
  if (clients !== 1 || decoding.readVarUint(decoder) !== 1) return false
  decoding.readVarUint(decoder) // client
  decoding.readVarUint(decoder) // clock
  const info = decoding.readUint8(decoder)
  if ((info & 0b11111) !== CONTENT_STRING || (info & HAS_ORIGIN) === 0) return false
  const originClient = decoding.readVarUint(decoder)
  const originClock = decoding.readVarUint(decoder)
  const structs = doc.store.clients.get(originClient)
  if (!structs || originClock >= Y.getState(doc.store, originClient)) return false
  const origin = structs[Y.findIndexSS(structs, originClock)]
  return origin instanceof Y.Item && origin.content instanceof Y.ContentString
}

/**
 * A sequence outside the fragment, for the one rule there (see above): a
 * type of the document or of the update, the name of a root the document
 * does not hold yet, or null when nothing is known of it (nothing checked).
 */
type Container = SharedType | string | null

/** What the parent of an item is. */
type Parent =
  /** Not inside the fragment: anything goes but a value in a text, or text among values. */
  | { kind: 'elsewhere'; container: Container }
  /** The fragment itself. */
  | { kind: 'document' }
  | { kind: 'node'; nodeName: string }
  | { kind: 'text' }
  /** A type in the fragment the schema does not know (stored before the guard, or refused in this update). */
  | { kind: 'unknown'; what: string }

interface Position {
  parent: Parent
  /** The map key (parentSub): set for an attribute of an element. */
  key: string | null
}

const ELSEWHERE: Position = { parent: { kind: 'elsewhere', container: null }, key: null }
const DOCUMENT: Parent = { kind: 'document' }
const TEXT: Parent = { kind: 'text' }

/** The first item of an update that may not go where it would: what is wrong with it, and the close code that refuses it. */
export interface ContentProblem {
  /** CLOSE_UNKNOWN_CONTENT for what the schema does not know, CLOSE_INVALID_PAYLOAD for what would break a text. */
  code: number
  description: string
}

/**
 * The refusal of an update that puts into the fragment what the schema
 * does not know (close 4415), or breaks a text elsewhere (close 1007); null
 * if it does neither.
 */
export function contentRefusal(update: Uint8Array, doc: Y.Doc): ProtocolError | null {
  const problem = findContentProblem(update, doc)
  if (problem === null) return null
  const what = problem.code === CLOSE_UNKNOWN_CONTENT ? 'content the document schema does not know' : 'content that would break a text'
  return new ProtocolError(problem.code, `${what}: ${problem.description}`)
}

/**
 * The first item of `update` that would put into the document's fragment
 * a node, mark, attribute or attribute value the schema does not know (or
 * a link to an address that could run code), or a value into a text
 * elsewhere; null if there is none. `doc` is the room's document the
 * update is about to be applied to.
 */
export function findContentProblem(update: Uint8Array, doc: Y.Doc): ContentProblem | null {
  if (isTypingIntoText(update, doc)) return null
  let structs: Array<Y.Item | Y.GC | Y.Skip>
  try {
    structs = Y.decodeUpdate(update).structs
  } catch {
    // Not for this guard to answer: applying it fails, and the room refuses it as undecodable.
    return null
  }
  const positions = new UpdatePositions(doc, structs)
  const sequences = new SequenceKinds()
  for (const struct of structs) {
    if (!(struct instanceof Y.Item) || struct.content instanceof Y.ContentDeleted) continue
    // Already in the document (a sync step 2 repeating it): applying it changes nothing.
    if (struct.id.clock + struct.length <= Y.getState(doc.store, struct.id.client)) continue
    const position = positions.of(struct)
    if (position.parent.kind === 'elsewhere') {
      const problem = position.key === null ? sequences.problemOf(position.parent.container, struct.content) : null
      if (problem) return { code: CLOSE_INVALID_PAYLOAD, description: problem }
      continue
    }
    const problem = problemOf(position, struct.content)
    if (problem) return { code: CLOSE_UNKNOWN_CONTENT, description: problem }
  }
  return null
}

/** What an item's content is to a sequence: text, a value, or neither (a shared type, formatting aside). */
function sequenceKindOf(content: Content): 'text' | 'values' | null {
  if (content instanceof Y.ContentString || content instanceof Y.ContentEmbed || content instanceof Y.ContentFormat) return 'text'
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON || content instanceof Y.ContentBinary || content instanceof Y.ContentDoc) return 'values'
  return null
}

/** Untyped roots' kinds once their content told them: a root never stops being what it holds. */
const rootKinds = new WeakMap<SharedType, 'text' | 'values'>()

/**
 * The kind of each sequence outside the fragment that one update puts
 * content into: a text type is a text; an untyped root is what it already
 * holds, or, if it holds neither text nor values yet, what the update puts
 * into it first. Other types (arrays, maps, XML elements) take anything.
 */
class SequenceKinds {
  /** Roots that held neither text nor values before this update, by type or name: what the update put into them first. */
  private opened: Map<SharedType | string, 'text' | 'values'> | null = null

  problemOf(container: Container, content: Content): string | null {
    if (container === null) return null
    const kind = sequenceKindOf(content)
    if (kind === null) return null
    const held = this.kindOf(container)
    if (held === 'any') return null
    if (held === 'open') {
      this.opened ??= new Map()
      const first = this.opened.get(container)
      if (first === undefined) this.opened.set(container, kind)
      if (first === undefined || first === kind) return null
      return `${describeContent(content)} in ${describeRoot(container)}, beside ${first === 'text' ? 'text' : 'values'} this update puts there`
    }
    if (held === kind) return null
    return held === 'text'
      ? `${describeContent(content)} inside ${describeText(container)}, which Yjs would count but never delete`
      : `${describeContent(content)} in ${describeRoot(container)}, which holds values`
  }

  private kindOf(container: SharedType | string): 'text' | 'values' | 'open' | 'any' {
    if (typeof container === 'string') return 'open'
    if (container instanceof Y.Text) return 'text'
    // Only roots are untyped (Yjs types what an update creates by its type ref); a typed array or map takes anything.
    if (container.constructor !== Y.AbstractType) return 'any'
    const known = rootKinds.get(container)
    if (known) return known
    for (let item = (container as SharedType)._start; item !== null; item = item.right) {
      const kind = item.deleted ? null : sequenceKindOf(item.content)
      if (kind === null) continue
      rootKinds.set(container, kind)
      return kind
    }
    return 'open'
  }
}

/** A root, by name: only roots are open or hold values (nested types are typed). */
function describeRoot(root: SharedType | string): string {
  if (typeof root === 'string') return `root ${JSON.stringify(root)}`
  for (const [name, type] of root.doc?.share ?? []) if (type === root) return `root ${JSON.stringify(name)}`
  return 'a root'
}

const describeText = (text: SharedType | string) => typeof text !== 'string' && text._item !== null ? 'a nested text' : `the text of ${describeRoot(text)}`

function problemOf({ parent, key }: Position, content: Content): string | null {
  switch (parent.kind) {
    case 'elsewhere':
      return null
    case 'unknown':
      return `content inside ${parent.what}`
    case 'document':
    case 'node': {
      if (key !== null) return parent.kind === 'node' ? attributeProblem(parent.nodeName, key, content) : `attribute ${JSON.stringify(key)} on the document`
      if (!(content instanceof Y.ContentType)) return `${describeContent(content)} outside text`
      const type = content.type
      if (type instanceof Y.XmlElement) return describeUnknownNode(type.nodeName)
      if (type instanceof Y.XmlText) return parent.kind === 'document' ? 'text outside any block' : null
      return describeForeignValue(type)
    }
    case 'text':
      if (key !== null) return `attribute ${JSON.stringify(key)} on text`
      if (content instanceof Y.ContentString) return null
      if (content instanceof Y.ContentFormat) return describeUnknownMark(content.key, content.value) ?? unsafeLinkProblem(content)
      return `${describeContent(content)} inside text`
  }
}

function attributeProblem(nodeName: string, key: string, content: Content): string | null {
  // Y.XmlElement.setAttribute stores a JSON value as ContentAny; the last value is the attribute's.
  if (!(content instanceof Y.ContentAny)) return `${describeContent(content)} as attribute ${JSON.stringify(key)} on ${JSON.stringify(nodeName)}`
  return describeUnknownAttribute(nodeName, key, content.arr[content.arr.length - 1])
}

// The schema renders such a link without its target; the server keeps them out of new content altogether.
function unsafeLinkProblem(format: Y.ContentFormat): string | null {
  const href = (format.value as { href?: unknown } | null)?.href
  return markNameOf(format.key) === 'link' && typeof href === 'string' && !isSafeHref(href) ? 'link to an address other than http(s), mailto, tel or relative' : null
}

function describeContent(content: Content): string {
  if (content instanceof Y.ContentType) return describeForeignValue(content.type)
  if (content instanceof Y.ContentString) return 'a string'
  if (content instanceof Y.ContentEmbed) return 'an embed'
  if (content instanceof Y.ContentFormat) return 'formatting'
  if (content instanceof Y.ContentBinary) return 'binary data'
  if (content instanceof Y.ContentDoc) return 'a subdocument'
  return 'a value'
}

/**
 * Where each item of one update goes. An item is resolved by following
 * its neighbours and parents within the update until one is named or is
 * in the document, iteratively (a pasted page is a long chain of origins),
 * and every item on the way is remembered.
 */
class UpdatePositions {
  private readonly fragment: SharedType | undefined
  private readonly known = new Map<Y.Item, Position | 'resolving'>()
  private readonly parentOfType = new Map<SharedType, Parent>()
  /** The update's structs by client, in clock order: built on the first lookup that needs it. */
  private byClient: Map<number, Array<Y.Item | Y.GC | Y.Skip>> | null = null

  constructor(private readonly doc: Y.Doc, private readonly structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>) {
    this.fragment = doc.share.get(documentFragmentName)
  }

  of(item: Y.Item): Position {
    // Items whose position depends on the next one's: by its neighbour (same position) or by their parent.
    const chain: Array<{ item: Y.Item; isChildOfNext: boolean }> = []
    let current = item
    let position: Position
    for (;;) {
      const known = this.known.get(current)
      if (known === 'resolving') {
        // A cycle of origins or parents: no such update comes from Yjs, and Yjs will not integrate it.
        position = ELSEWHERE
        break
      }
      if (known) {
        position = known
        break
      }
      const step = this.step(current)
      if (!(step instanceof Y.Item)) {
        position = step
        this.known.set(current, position)
        break
      }
      this.known.set(current, 'resolving')
      chain.push({ item: current, isChildOfNext: current.parent instanceof Y.ID })
      current = step
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const { item: link, isChildOfNext } = chain[i]!
      const next = i + 1 < chain.length ? chain[i + 1]!.item : current
      position = isChildOfNext ? { parent: childParentOf(next, position), key: link.parentSub } : position
      this.known.set(link, position)
    }
    return position
  }

  /** The item's position if it is decided by the item alone or the document, else the item of the update it depends on. */
  private step(item: Y.Item): Position | Y.Item {
    const parent = item.parent as unknown
    if (typeof parent === 'string') {
      if (parent === documentFragmentName) return { parent: DOCUMENT, key: item.parentSub }
      return { parent: { kind: 'elsewhere', container: this.doc.share.get(parent) ?? parent }, key: item.parentSub }
    }
    if (parent instanceof Y.ID) {
      const struct = this.find(parent)
      if (struct instanceof Y.Item && this.isInDocument(parent)) {
        const content = struct.content
        if (!(content instanceof Y.ContentType)) return { parent: { kind: 'unknown', what: 'an item that is not a shared type' }, key: null }
        return { parent: this.parentOf(content.type), key: item.parentSub }
      }
      // In the update, or not found (pending in Yjs); a garbage-collected parent takes its children with it.
      return struct instanceof Y.Item ? struct : ELSEWHERE
    }
    // No parent written: it has its neighbour's, the item on its left (origin), else on its right.
    const neighbourId = item.origin ?? item.rightOrigin
    if (!neighbourId) return ELSEWHERE
    const neighbour = this.find(neighbourId)
    if (!(neighbour instanceof Y.Item)) return ELSEWHERE
    if (!this.isInDocument(neighbourId)) return neighbour
    return { parent: this.parentOf(neighbour.parent as SharedType), key: neighbour.parentSub }
  }

  private isInDocument(id: Y.ID): boolean {
    return id.clock < Y.getState(this.doc.store, id.client)
  }

  /** The struct holding `id`: the document's if it has it, else the update's; undefined if neither has it. */
  private find(id: Y.ID): Y.Item | Y.GC | Y.Skip | undefined {
    if (this.isInDocument(id)) {
      const structs = this.doc.store.clients.get(id.client)!
      return structs[Y.findIndexSS(structs, id.clock)]
    }
    return structAt(this.updateStructsOf(id.client), id.clock)
  }

  private updateStructsOf(client: number): Array<Y.Item | Y.GC | Y.Skip> {
    if (!this.byClient) {
      this.byClient = new Map()
      for (const struct of this.structs) {
        const list = this.byClient.get(struct.id.client)
        if (list) list.push(struct)
        else this.byClient.set(struct.id.client, [struct])
      }
      // Yjs writes each client once, in clock order; an update written otherwise is searched all the same.
      for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock)
    }
    return this.byClient.get(client) ?? []
  }

  /** What a type of the document is, as a parent: walks up to its root once per update. */
  private parentOf(type: SharedType): Parent {
    let parent = this.parentOfType.get(type)
    if (parent) return parent
    let root = type
    while (root._item !== null && root._item.parent instanceof Y.AbstractType) root = root._item.parent
    parent = root !== this.fragment || root._item !== null ? { kind: 'elsewhere', container: type } : type === root ? DOCUMENT : describeType(type)
    this.parentOfType.set(type, parent)
    return parent
  }
}

/** The struct of `structs` (sorted by clock) that holds `clock`, or undefined if none does. */
function structAt(structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>, clock: number): Y.Item | Y.GC | Y.Skip | undefined {
  let low = 0
  let high = structs.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const struct = structs[middle]!
    if (clock < struct.id.clock) high = middle - 1
    else if (clock >= struct.id.clock + struct.length) low = middle + 1
    else return struct
  }
  return undefined
}

/** What the type created by `item` (in this update, at `position`) is, as the parent of its children. */
function childParentOf(item: Y.Item, position: Position): Parent {
  if (position.parent.kind === 'elsewhere') return { kind: 'elsewhere', container: item.content instanceof Y.ContentType ? item.content.type : null }
  if (!(item.content instanceof Y.ContentType)) return { kind: 'unknown', what: 'an item that is not a shared type' }
  return describeType(item.content.type)
}

/** A type inside the fragment, as a parent. */
function describeType(type: SharedType): Parent {
  if (type instanceof Y.XmlText) return TEXT
  if (type instanceof Y.XmlElement) {
    const problem = describeUnknownNode(type.nodeName)
    return problem ? { kind: 'unknown', what: problem } : { kind: 'node', nodeName: type.nodeName }
  }
  return { kind: 'unknown', what: describeForeignValue(type) }
}

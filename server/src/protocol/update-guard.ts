/**
 * Structural check of a Yjs update (encoding v1, what y-websocket sends)
 * before it reaches `Y.applyUpdate`.
 *
 * Yjs decodes updates trustingly: malformed input has made it loop for a
 * very long time (yjs issues 479, 498, 687) and a broken delete set is
 * applied halfway before it throws. Walking the structure here first, with
 * every count bounded by the bytes that remain, means a bad update costs
 * time proportional to its length and is refused whole, before anything
 * in the room changes.
 */
import { FrameReader, MalformedFrame } from './reader.js'

const MAX_ANY_DEPTH = 64

// Content kinds, indexed by the low five bits of an item's info byte (Yjs' contentRefs).
const CONTENT_DELETED = 1
const CONTENT_JSON = 2
const CONTENT_BINARY = 3
const CONTENT_STRING = 4
const CONTENT_EMBED = 5
const CONTENT_FORMAT = 6
const CONTENT_TYPE = 7
const CONTENT_ANY = 8
const CONTENT_DOC = 9
const STRUCT_GC = 0
const STRUCT_SKIP = 10

// Yjs' typeRefs: YArray, YMap, YText, YXmlElement, YXmlFragment, YXmlHook, YXmlText.
const TYPE_XML_ELEMENT = 3
const TYPE_XML_HOOK = 5
const LAST_TYPE_REF = 6

/** Throws MalformedFrame naming the first problem found; returns normally for a well-formed update. */
export function checkUpdate(update: Uint8Array): void {
  const reader = new FrameReader(update)
  const clientCount = reader.count(3)
  for (let i = 0; i < clientCount; i++) {
    const structCount = reader.count(2)
    reader.varUint() // client
    reader.varUint() // first clock
    for (let j = 0; j < structCount; j++) readStruct(reader)
  }
  readDeleteSet(reader)
  reader.expectEnd('update')
}

/** A state vector: pairs of client id and clock. */
export function checkStateVector(stateVector: Uint8Array): void {
  const reader = new FrameReader(stateVector)
  const entries = reader.count(2)
  for (let i = 0; i < entries; i++) {
    reader.varUint()
    reader.varUint()
  }
  reader.expectEnd('state vector')
}

function positiveLength(reader: FrameReader, what: string): void {
  if (reader.varUint() === 0) throw new MalformedFrame(`${what} has length 0`)
}

function readStruct(reader: FrameReader): void {
  const info = reader.uint8()
  const kind = info & 0b11111
  if (kind === STRUCT_GC) return positiveLength(reader, 'gc struct')
  if (kind === STRUCT_SKIP) return positiveLength(reader, 'skip struct')
  const hasOrigin = (info & 0b1000_0000) !== 0
  const hasRightOrigin = (info & 0b0100_0000) !== 0
  if (hasOrigin) {
    reader.varUint()
    reader.varUint()
  }
  if (hasRightOrigin) {
    reader.varUint()
    reader.varUint()
  }
  if (!hasOrigin && !hasRightOrigin) {
    // Without origins the parent is written out: a root type's name, or the id of a nested type.
    const isRootParent = reader.varUint() === 1
    if (isRootParent) reader.varUtf8Length()
    else {
      reader.varUint()
      reader.varUint()
    }
    if ((info & 0b0010_0000) !== 0) reader.varUtf8Length() // parentSub (map key)
  }
  readContent(reader, kind)
}

function readContent(reader: FrameReader, kind: number): void {
  switch (kind) {
    case CONTENT_DELETED:
      return positiveLength(reader, 'deleted content')
    case CONTENT_JSON: {
      const n = reader.count()
      if (n === 0) throw new MalformedFrame('json content is empty')
      for (let i = 0; i < n; i++) checkJson(reader.varString())
      return
    }
    case CONTENT_BINARY:
      reader.varBytes()
      return
    case CONTENT_STRING:
      if (reader.varUtf8Length() === 0) throw new MalformedFrame('string content is empty')
      return
    case CONTENT_EMBED:
      checkJson(reader.varString())
      return
    case CONTENT_FORMAT:
      reader.varUtf8Length()
      checkJson(reader.varString())
      return
    case CONTENT_TYPE: {
      const typeRef = reader.varUint()
      if (typeRef > LAST_TYPE_REF) throw new MalformedFrame(`unknown shared type ${typeRef}`)
      if (typeRef === TYPE_XML_ELEMENT || typeRef === TYPE_XML_HOOK) reader.varUtf8Length()
      return
    }
    case CONTENT_ANY: {
      const n = reader.count()
      if (n === 0) throw new MalformedFrame('any content is empty')
      for (let i = 0; i < n; i++) readAny(reader, 0)
      return
    }
    case CONTENT_DOC:
      reader.varUtf8Length()
      readAny(reader, 0)
      return
    default:
      throw new MalformedFrame(`unknown content kind ${kind}`)
  }
}

function checkJson(text: string): void {
  if (text === 'undefined') return
  try {
    JSON.parse(text)
  } catch {
    throw new MalformedFrame('embedded JSON does not parse')
  }
}

/** lib0's `writeAny` format: a type byte (127 down to 116) then its value. */
function readAny(reader: FrameReader, depth: number): void {
  if (depth > MAX_ANY_DEPTH) throw new MalformedFrame('value nested too deeply')
  const type = reader.uint8()
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return
    case 125:
      reader.varInt()
      return
    case 124:
      reader.fixed(4)
      return
    case 123:
    case 122:
      reader.fixed(8)
      return
    case 119:
      reader.varUtf8Length()
      return
    case 118: {
      const n = reader.count(2)
      for (let i = 0; i < n; i++) {
        reader.varUtf8Length()
        readAny(reader, depth + 1)
      }
      return
    }
    case 117: {
      const n = reader.count()
      for (let i = 0; i < n; i++) readAny(reader, depth + 1)
      return
    }
    case 116:
      reader.varBytes()
      return
    default:
      throw new MalformedFrame(`unknown value type ${type}`)
  }
}

function readDeleteSet(reader: FrameReader): void {
  const clients = reader.count(2)
  for (let i = 0; i < clients; i++) {
    reader.varUint() // client
    const ranges = reader.count(2)
    for (let j = 0; j < ranges; j++) {
      reader.varUint() // clock
      positiveLength(reader, 'delete range')
    }
  }
}

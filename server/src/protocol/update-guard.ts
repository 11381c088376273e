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
 *
 * Two things the walk adds up as it goes, because Yjs does not check them
 * and breaks on them only later: each client's clock, which must stay
 * within MAX_CLOCK, and each struct's own clock, so that a reference to a
 * clock of its own client at or after itself (which Yjs dereferences only
 * after it has integrated the clients with higher ids) is refused here.
 *
 * Against the clocks a document holds, the walk also tells whether the
 * update depends on anything the document lacks, and names the first such
 * clock. Yjs would keep the dependent part "pending" and retry it with
 * later updates, and what it then makes of it depends on how those updates
 * are grouped into transactions; so the room never gives Yjs such an update
 * (see rooms/waiting-updates.ts).
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

/**
 * The highest a client's clock may reach: the end of its last struct, what
 * its state vector entry says, and the end of any delete range. Yjs itself
 * counts to 2^53 - 1, but yrs (and so pycrdt and y-py clients) keeps clocks
 * in 32 bits, and a room holding a clock past what one of its clients can
 * decode never syncs with that client again. No editing session comes near
 * four billion insertions, so the bound only ever meets hostile updates.
 */
export const MAX_CLOCK = 0xffff_ffff

/**
 * How many clients a state vector may list unless the caller passes its own
 * bound. Decoding each entry costs Yjs a map insertion on the main thread;
 * entries for clients the document does not hold are of no use to it, so a
 * room that knows its client count can pass a much tighter bound. This
 * default stays well above what long-lived documents accumulate (every
 * editing session is a new client).
 */
export const MAX_STATE_VECTOR_ENTRIES = 100_000

/** What the document an update is checked for already holds. */
export interface HeldClocks {
  /**
   * The clock the document holds for a client (what `Y.getState` returns).
   * Delete ranges past MAX_CLOCK are accepted when the document already
   * reaches that far: a room stored before clocks were bounded must still
   * take the sync step 2 of its clients, whose delete set covers what they
   * hold of it.
   */
  heldClock(client: number): number
  /**
   * Whether the document holds, for `client`, text where clock `boundary - 1`
   * and clock `boundary` are the two halves of one UTF-16 surrogate pair.
   * Absent: nothing is known of the text, and no reference is refused for it.
   */
  isInsideSurrogatePair?(client: number, boundary: number): boolean
}

/** A clock of one client that a document must hold before an update can be applied whole. */
export interface MissingClock {
  client: number
  clock: number
}

/**
 * Throws MalformedFrame naming the first problem found. For a well-formed
 * update, returns the first clock it depends on that the document lacks
 * (Yjs would keep the dependent part pending), or null: always null
 * without `held`, which it needs to tell.
 */
export function checkUpdate(update: Uint8Array, held?: HeldClocks): MissingClock | null {
  const reader = new FrameReader(update)
  const clientCount = reader.count(3)
  const dependencies = held ? new Dependencies(held) : null
  // Only an update with structs of several clients needs the set; a keystroke's are one client's.
  const seen = clientCount > 1 ? new Set<number>() : null
  for (let i = 0; i < clientCount; i++) {
    const structCount = reader.count(2)
    const client = reader.varUint()
    // Yjs reads an update's structs into a map by client: a second block of one client replaces the first.
    if (seen) {
      if (seen.has(client)) throw new MalformedFrame(`update lists structs of client ${client} twice`)
      seen.add(client)
    }
    let clock = reader.varUint()
    let segmentStart = clock
    for (let j = 0; j < structCount; j++) {
      const start = clock
      const length = readStruct(reader, client, clock, dependencies)
      clock += Math.abs(length)
      // Each length is a safe integer, so a sum past the bound still compares as past it when rounded.
      if (clock > MAX_CLOCK) throw new MalformedFrame(`client ${client}'s clock would pass ${MAX_CLOCK}`)
      if (length < 0) {
        // A skip: the update does not hold these clocks, so what follows is a segment of its own.
        dependencies?.segment(client, segmentStart, start)
        segmentStart = clock
      }
    }
    dependencies?.segment(client, segmentStart, clock)
  }
  readDeleteSet(reader, held, dependencies)
  reader.expectEnd('update')
  return dependencies?.firstMissing() ?? null
}

/**
 * What an update refers to that the document may not hold: clocks of
 * another client past what the document holds (unless the update brings
 * them), and a client's structs starting past what the document holds of
 * it. Allocates only for such references, which a keystroke has none of.
 */
class Dependencies {
  private gap: MissingClock | null = null
  private segments: Array<[client: number, start: number, end: number]> | null = null
  private unresolved: MissingClock[] | null = null

  constructor(private readonly held: HeldClocks) {}

  /** The update holds the structs of `client` in [start, end) (nothing when they are equal). */
  segment(client: number, start: number, end: number): void {
    if (start === end) return
    if (!this.gap && start > this.held.heldClock(client)) this.gap = { client, clock: start - 1 }
    ;(this.segments ??= []).push([client, start, end])
  }

  /**
   * Throws if the document's text splits at `client`:`boundary` between the
   * halves of a surrogate pair. Yjs would turn each half into U+FFFD, in the
   * document that splits it but not in one that receives the split item as
   * garbage collected: the same updates would show different text. Editors
   * place carets and deletions between characters, never inside one.
   */
  refuseSplitPair(client: number, boundary: number, what: string): void {
    if (this.held.isInsideSurrogatePair?.(client, boundary)) {
      throw new MalformedFrame(`${what} splits the surrogate pair at ${client}:${boundary - 1}-${boundary} (a character would break)`)
    }
  }

  /** The update refers to `client`:`clock` (an origin or parent of another client, or a deleted clock). */
  refer(client: number, clock: number): void {
    if (clock >= this.held.heldClock(client)) (this.unresolved ??= []).push({ client, clock })
  }

  firstMissing(): MissingClock | null {
    if (this.gap) return this.gap
    return this.unresolved?.find(({ client, clock }) => !this.segments?.some(([c, start, end]) => c === client && start <= clock && clock < end)) ?? null
  }
}

/**
 * A state vector: pairs of client id and clock. A clock is read as lib0
 * reads it (see `looseVarUint`), past MAX_CLOCK and even past 2^53: it only
 * tells what the client holds, and a client holding a document stored
 * before clocks were bounded must still be answered.
 */
export function checkStateVector(stateVector: Uint8Array, maxEntries = MAX_STATE_VECTOR_ENTRIES): void {
  const reader = new FrameReader(stateVector)
  const entries = reader.count(2)
  if (entries > maxEntries) throw new MalformedFrame(`state vector lists ${entries} clients, more than the ${maxEntries} accepted`)
  for (let i = 0; i < entries; i++) {
    reader.varUint()
    reader.looseVarUint()
  }
  reader.expectEnd('state vector')
}

function positiveLength(reader: FrameReader, what: string): number {
  const length = reader.varUint()
  if (length === 0) throw new MalformedFrame(`${what} has length 0`)
  return length
}

/**
 * Yjs resolves a reference to another client's clock it does not hold by
 * waiting for it (the struct goes to the pending set), but one to its own
 * client it takes as already integrated, and throws when it is not.
 */
function checkReference(reader: FrameReader, client: number, clock: number, what: string, dependencies: Dependencies | null): void {
  const referencedClient = reader.varUint()
  const referencedClock = reader.varUint()
  // An item goes right after its origin and right before its right origin: Yjs splits held text there.
  if (what !== 'parent') dependencies?.refuseSplitPair(referencedClient, what === 'origin' ? referencedClock + 1 : referencedClock, `struct ${client}:${clock}'s ${what}`)
  if (referencedClient === client) {
    if (referencedClock >= clock) {
      throw new MalformedFrame(`struct ${client}:${clock} has its ${what} at ${client}:${referencedClock}, not before itself`)
    }
  } else {
    dependencies?.refer(referencedClient, referencedClock)
  }
}

/** Reads the struct at `client`:`clock` and returns its length in clocks, negated for a skip (clocks it does not hold). */
function readStruct(reader: FrameReader, client: number, clock: number, dependencies: Dependencies | null): number {
  const info = reader.uint8()
  const kind = info & 0b11111
  if (kind === STRUCT_GC) return positiveLength(reader, 'gc struct')
  if (kind === STRUCT_SKIP) return -positiveLength(reader, 'skip struct')
  const hasOrigin = (info & 0b1000_0000) !== 0
  const hasRightOrigin = (info & 0b0100_0000) !== 0
  if (hasOrigin) checkReference(reader, client, clock, 'origin', dependencies)
  if (hasRightOrigin) checkReference(reader, client, clock, 'right origin', dependencies)
  if (!hasOrigin && !hasRightOrigin) {
    // Without origins the parent is written out: a root type's name, or the id of a nested type.
    const isRootParent = reader.varUint() === 1
    if (isRootParent) reader.varUtf8Length()
    else checkReference(reader, client, clock, 'parent', dependencies)
    if ((info & 0b0010_0000) !== 0) reader.varUtf8Length() // parentSub (map key)
  }
  return readContent(reader, kind)
}

/** Reads an item's content and returns its length in clocks, as Yjs counts it. */
function readContent(reader: FrameReader, kind: number): number {
  switch (kind) {
    case CONTENT_DELETED:
      return positiveLength(reader, 'deleted content')
    case CONTENT_JSON: {
      const n = reader.count()
      if (n === 0) throw new MalformedFrame('json content is empty')
      for (let i = 0; i < n; i++) checkJson(reader.varString())
      return n
    }
    case CONTENT_BINARY:
      reader.varBytes()
      return 1
    case CONTENT_STRING: {
      const length = reader.varUtf16Length()
      if (length === 0) throw new MalformedFrame('string content is empty')
      return length
    }
    case CONTENT_EMBED:
      checkJson(reader.varString())
      return 1
    case CONTENT_FORMAT:
      reader.varUtf8Length()
      checkJson(reader.varString())
      return 1
    case CONTENT_TYPE: {
      const typeRef = reader.varUint()
      if (typeRef > LAST_TYPE_REF) throw new MalformedFrame(`unknown shared type ${typeRef}`)
      if (typeRef === TYPE_XML_ELEMENT || typeRef === TYPE_XML_HOOK) reader.varUtf8Length()
      return 1
    }
    case CONTENT_ANY: {
      const n = reader.count()
      if (n === 0) throw new MalformedFrame('any content is empty')
      for (let i = 0; i < n; i++) readAny(reader, 0)
      return n
    }
    case CONTENT_DOC:
      reader.varUtf8Length()
      readAny(reader, 0)
      return 1
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

/**
 * Ranges must come in ascending order without overlapping, and each client
 * once, as every Yjs and yrs writer sends them: Yjs keeps the ranges it
 * cannot apply yet in the order they arrived and stores them difference-
 * encoded, so one out of order is stored as a different, arbitrary range.
 */
function readDeleteSet(reader: FrameReader, held: HeldClocks | undefined, dependencies: Dependencies | null): void {
  const clients = reader.count(2)
  // Only an update deleting for several clients needs the set; a keystroke's deletes one client's.
  const seen = clients > 1 ? new Set<number>() : null
  for (let i = 0; i < clients; i++) {
    const client = reader.varUint()
    if (seen) {
      if (seen.has(client)) throw new MalformedFrame(`delete set lists client ${client} twice`)
      seen.add(client)
    }
    const ranges = reader.count(2)
    let previousEnd = 0
    for (let j = 0; j < ranges; j++) {
      // Read as lib0 reads them: a range of a document stored before clocks were bounded may pass 2^53.
      const clock = reader.looseVarUint()
      const length = reader.looseVarUint()
      if (length === 0) throw new MalformedFrame('delete range has length 0')
      if (clock < previousEnd) throw new MalformedFrame(`delete ranges of client ${client} overlap or are out of order`)
      const end = clock + length
      if (end > MAX_CLOCK && !(held && end <= held.heldClock(client))) {
        throw new MalformedFrame(`delete range ${client}:${clock} of length ${length} passes clock ${MAX_CLOCK}`)
      }
      dependencies?.refuseSplitPair(client, clock, `delete range ${client}:${clock}`)
      dependencies?.refuseSplitPair(client, end, `delete range ${client}:${clock}`)
      // Deleting what the document does not hold waits for it, as the structs above do.
      dependencies?.refer(client, end - 1)
      previousEnd = end
    }
  }
}

/**
 * Random Yjs updates (encoding v1) that are well-formed byte for byte but
 * hostile in what they say: clocks at and past the bounds, references to a
 * struct's own clock or later, to clients nobody has, to items that are not
 * types, delete sets over clocks nobody holds, structs that wait on one
 * another. For fuzzing the update guard against Yjs itself: whatever the
 * guard accepts, Yjs must apply whole. Seeded, so a failure can be replayed.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

export type Id = readonly [client: number, clock: number]

export type Content =
  | { kind: 'string'; text: string }
  | { kind: 'deleted'; length: number }
  | { kind: 'json'; values: string[] }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'embed'; json: string }
  | { kind: 'format'; key: string; json: string }
  | { kind: 'type'; typeRef: number; name?: string }
  | { kind: 'any'; values: unknown[] }
  | { kind: 'doc'; guid: string }

export type Struct =
  | { kind: 'gc'; length: number }
  | { kind: 'skip'; length: number }
  | { kind: 'item'; origin?: Id; rightOrigin?: Id; parent?: string | Id; parentSub?: string; content: Content }

export interface UpdateSpec {
  clients: Array<{ client: number; clock: number; structs: Struct[] }>
  deletes: Array<{ client: number; ranges: Array<readonly [clock: number, length: number]> }>
}

const CONTENT_REFS = { deleted: 1, json: 2, binary: 3, string: 4, embed: 5, format: 6, type: 7, any: 8, doc: 9 } as const

/** Writes `spec` as a v1 update, exactly as it says, however little sense it makes. */
export function buildUpdate(spec: UpdateSpec): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, spec.clients.length)
  for (const { client, clock, structs } of spec.clients) {
    encoding.writeVarUint(e, structs.length)
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock)
    for (const struct of structs) writeStruct(e, struct)
  }
  encoding.writeVarUint(e, spec.deletes.length)
  for (const { client, ranges } of spec.deletes) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, ranges.length)
    for (const [clock, length] of ranges) {
      encoding.writeVarUint(e, clock)
      encoding.writeVarUint(e, length)
    }
  }
  return encoding.toUint8Array(e)
}

function writeStruct(e: encoding.Encoder, struct: Struct): void {
  if (struct.kind !== 'item') {
    encoding.writeUint8(e, struct.kind === 'gc' ? 0 : 10)
    encoding.writeVarUint(e, struct.length)
    return
  }
  const { origin, rightOrigin, parent, parentSub, content } = struct
  const isParentWritten = !origin && !rightOrigin
  encoding.writeUint8(e, CONTENT_REFS[content.kind] | (origin ? 0x80 : 0) | (rightOrigin ? 0x40 : 0) | (isParentWritten && parentSub !== undefined ? 0x20 : 0))
  if (origin) writeId(e, origin)
  if (rightOrigin) writeId(e, rightOrigin)
  if (isParentWritten) {
    if (typeof parent === 'string' || parent === undefined) {
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, parent ?? 'root')
    } else {
      encoding.writeVarUint(e, 0)
      writeId(e, parent)
    }
    if (parentSub !== undefined) encoding.writeVarString(e, parentSub)
  }
  writeContent(e, content)
}

function writeId(e: encoding.Encoder, [client, clock]: Id): void {
  encoding.writeVarUint(e, client)
  encoding.writeVarUint(e, clock)
}

function writeContent(e: encoding.Encoder, content: Content): void {
  switch (content.kind) {
    case 'string':
      return encoding.writeVarString(e, content.text)
    case 'deleted':
      return encoding.writeVarUint(e, content.length)
    case 'json':
      encoding.writeVarUint(e, content.values.length)
      for (const value of content.values) encoding.writeVarString(e, value)
      return
    case 'binary':
      return encoding.writeVarUint8Array(e, content.bytes)
    case 'embed':
      return encoding.writeVarString(e, content.json)
    case 'format':
      encoding.writeVarString(e, content.key)
      return encoding.writeVarString(e, content.json)
    case 'type':
      encoding.writeVarUint(e, content.typeRef)
      if (content.typeRef === 3 || content.typeRef === 5) encoding.writeVarString(e, content.name ?? 'paragraph')
      return
    case 'any':
      encoding.writeVarUint(e, content.values.length)
      for (const value of content.values) encoding.writeAny(e, value as Parameters<typeof encoding.writeAny>[1])
      return
    case 'doc':
      encoding.writeVarString(e, content.guid)
      return encoding.writeAny(e, {})
  }
}

/** How long a piece of content is in clocks, as Yjs counts it. */
export function contentLength(content: Content): number {
  switch (content.kind) {
    case 'string':
      return content.text.length
    case 'deleted':
      return content.length
    case 'json':
    case 'any':
      return content.values.length
    default:
      return 1
  }
}

/**
 * Three clients' worth of text (`t`), formats, maps (`m`), arrays (`a`), XML
 * (`x`), a deleted nested type (garbage collected) and deletes: a base for
 * hostile updates to refer into.
 */
export function documentWithEverything(): Y.Doc {
  const doc = new Y.Doc()
  const as = (client: number, change: () => void) => {
    doc.clientID = client
    doc.transact(change)
  }
  as(1, () => {
    doc.getText('t').insert(0, 'hello wörld 👋')
    doc.getMap('m').set('k', new Y.Map())
    doc.getArray('a').insert(0, [1, 2, new Y.Array()])
  })
  as(2, () => {
    doc.getText('t').format(0, 5, { bold: true })
    doc.getText('t').delete(2, 3)
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('in xml')])
    doc.getXmlFragment('x').insert(0, [paragraph])
  })
  as(3, () => {
    doc.getMap<Y.Map<string>>('m').get('k')!.set('inner', 'v')
    doc.getMap<unknown>('m').set('gone', new Y.Text('will be deleted'))
  })
  as(3, () => {
    doc.getMap('m').delete('gone')
    doc.getArray('a').delete(0, 1)
  })
  return doc
}

/** xorshift32: small, fast and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
}

/** A struct the base document holds. */
interface KnownStruct {
  client: number
  clock: number
  length: number
}

const ROOT_NAMES = ['t', 'm', 'x', 'a', 'never-seen']
const KEYS = ['k', 'q', 'bold']
const TEXTS = ['a', 'hello', 'é', 'ü😀', '👋👋', '日本語', '\u{feff}bom']
const EXTREME_CLOCKS = [0xffff_ffff, 0xffff_fffe, 0x1_0000_0000, 2 ** 31, 2 ** 53 - 1, 2 ** 53 - 2, 2 ** 40]
const EXTREME_CLIENTS = [0, 0xffff_ffff, 0x1_0000_0000, 2 ** 53 - 1]

export interface HostileOptions {
  /**
   * Clients of the base document the updates never write structs as, though
   * they refer to and delete what those clients wrote: the honest clients of
   * a live room. Yjs cannot tell who wrote a struct, so structs claiming a
   * client's next clocks would make that client's own later edits look
   * known, and a room would drop them as adding nothing new.
   */
  spare?: ReadonlySet<number>
}

/**
 * Generates hostile updates against a base document: references point at
 * its items as often as at nothing, so that Yjs gets far enough into each
 * update for a bad reference to hurt. Pass the document whose copy each
 * update will be applied to.
 */
export class HostileUpdates {
  private readonly random: () => number
  private readonly known: KnownStruct[] = []
  private readonly knownTypes: KnownStruct[] = []
  private readonly states = new Map<number, number>()
  /** The clients of `states` that updates may write as. */
  private readonly writers: number[]

  constructor(seed: number, base: Y.Doc, options: HostileOptions = {}) {
    this.random = seededRandom(seed)
    for (const [client, structs] of base.store.clients) {
      for (const struct of structs) {
        const isType = struct instanceof Y.Item && struct.content instanceof Y.ContentType
        this.known.push({ client, clock: struct.id.clock, length: struct.length })
        if (isType) this.knownTypes.push(this.known[this.known.length - 1]!)
      }
      const last = structs[structs.length - 1]!
      this.states.set(client, last.id.clock + last.length)
    }
    this.writers = [...this.states.keys()].filter((client) => !options.spare?.has(client))
  }

  next(): Uint8Array {
    return buildUpdate(this.nextSpec())
  }

  nextSpec(): UpdateSpec {
    const blockCount = 1 + this.int(3)
    const clients: UpdateSpec['clients'] = []
    for (let i = 0; i < blockCount; i++) {
      const client = this.chance(0.1) && clients.length > 0 ? this.pick(clients).client : this.client(this.writers)
      clients.push({ client, clock: this.startClock(client), structs: [] })
    }
    for (const block of clients) {
      let clock = block.clock
      const structCount = 1 + this.int(5)
      for (let i = 0; i < structCount; i++) {
        const struct = this.struct(block.client, block.clock, clock, clients)
        block.structs.push(struct)
        clock += struct.kind === 'item' ? contentLength(struct.content) : struct.length
      }
    }
    return { clients, deletes: this.chance(0.5) ? this.deleteSet(clients) : [] }
  }

  private struct(client: number, blockClock: number, clock: number, blocks: UpdateSpec['clients']): Struct {
    const roll = this.random()
    if (roll < 0.08) return { kind: 'gc', length: this.length() }
    if (roll < 0.12) return { kind: 'skip', length: this.length() }
    const content = this.content()
    const placement = this.random()
    if (placement < 0.3) {
      const parentSub = this.chance(0.3) ? this.pick(KEYS) : undefined
      return { kind: 'item', parent: this.chance(0.7) ? this.pick(ROOT_NAMES) : this.reference(client, blockClock, clock, blocks, true), parentSub, content }
    }
    const origin = placement < 0.85 ? this.reference(client, blockClock, clock, blocks, false) : undefined
    const rightOrigin = placement > 0.65 ? this.reference(client, blockClock, clock, blocks, false) : undefined
    return { kind: 'item', origin, rightOrigin, content }
  }

  /** An id to point at: mostly something that exists, sometimes this struct itself, its future, or nothing. */
  private reference(client: number, blockClock: number, clock: number, blocks: UpdateSpec['clients'], isParent: boolean): Id {
    const roll = this.random()
    if (roll < 0.15 && clock > blockClock) return [client, blockClock + this.int(clock - blockClock)] // earlier in this block
    if (roll < 0.6 && this.known.length > 0) {
      const target = this.pick(isParent && this.knownTypes.length > 0 && this.chance(0.8) ? this.knownTypes : this.known)
      return [target.client, target.clock + this.int(target.length)]
    }
    if (roll < 0.63) return [client, clock] // itself
    if (roll < 0.66) return [client, clock + 1 + this.int(4)] // its own future
    if (roll < 0.85) {
      const other = this.pick(blocks)
      return [other.client, other.clock + this.int(6)] // another block of this update: a chain, or a wait
    }
    if (roll < 0.96) return [this.client(), this.int(10)]
    return [this.pick(EXTREME_CLIENTS), this.pick(EXTREME_CLOCKS)]
  }

  private content(): Content {
    const roll = this.int(20)
    if (roll < 8) return { kind: 'string', text: this.pick(TEXTS) }
    if (roll < 10) return { kind: 'deleted', length: this.length() }
    if (roll < 11) return { kind: 'json', values: ['1', '"x"', 'null'].slice(0, 1 + this.int(3)) }
    if (roll < 12) return { kind: 'binary', bytes: new Uint8Array([1, 2, 3]) }
    if (roll < 13) return { kind: 'embed', json: '{"image":"cat.png"}' }
    if (roll < 14) return { kind: 'format', key: this.pick(KEYS), json: this.pick(['true', 'null', '{"href":"x"}']) }
    if (roll < 17) return { kind: 'type', typeRef: this.int(7), name: this.pick(['paragraph', 'heading']) }
    if (roll < 19) return { kind: 'any', values: [1, 'two', null, { deep: [true] }].slice(0, 1 + this.int(4)) }
    return { kind: 'doc', guid: `sub-${this.int(3)}` }
  }

  /** Mostly what a writer sends (each client once, ranges ascending), sometimes not, sometimes past every bound. */
  private deleteSet(blocks: UpdateSpec['clients']): UpdateSpec['deletes'] {
    const deletes: UpdateSpec['deletes'] = []
    const clientCount = 1 + this.int(3)
    for (let i = 0; i < clientCount; i++) {
      const client = this.chance(0.3) ? this.pick(blocks).client : this.client()
      if (this.chance(0.95) && deletes.some((d) => d.client === client)) continue
      const state = this.states.get(client) ?? 0
      const isInOrder = this.chance(0.95)
      const ranges: Array<readonly [number, number]> = []
      let clock = this.int(state + 2)
      const rangeCount = 1 + this.int(4)
      for (let j = 0; j < rangeCount; j++) {
        if (this.chance(0.03)) clock = this.pick(EXTREME_CLOCKS)
        const length = this.chance(0.03) ? this.pick(EXTREME_CLOCKS) : 1 + this.int(6)
        ranges.push([clock, length])
        clock = isInOrder ? clock + length + this.int(4) : this.int(state + 8)
      }
      deletes.push({ client, ranges })
    }
    return deletes
  }

  /** A client to write as, or to refer to: mostly one of `known` (every client of the base document by default). */
  private client(known: readonly number[] = [...this.states.keys()]): number {
    const roll = this.random()
    if (roll < 0.55 && known.length > 0) return this.pick(known)
    if (roll < 0.92) return 100 + this.int(4)
    return this.pick(EXTREME_CLIENTS)
  }

  private startClock(client: number): number {
    const state = this.states.get(client) ?? 0
    const roll = this.random()
    if (roll < 0.6) return state
    if (roll < 0.75) return Math.max(0, state - 1 - this.int(3)) // overlaps what is held
    if (roll < 0.94) return state + 1 + this.int(5) // a gap: waits for what is missing
    return this.pick(EXTREME_CLOCKS) - this.int(3)
  }

  private length(): number {
    return this.chance(0.96) ? 1 + this.int(5) : this.pick(EXTREME_CLOCKS)
  }

  private int(n: number): number {
    return Math.floor(this.random() * n)
  }

  private chance(p: number): boolean {
    return this.random() < p
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
}

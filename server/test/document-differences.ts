/**
 * How two Yjs documents differ, if they do: for tests that must tell
 * whether a room, its storage and its clients hold the same document.
 * Comparing encoded states byte for byte says too much: two documents that
 * received the same changes in another order may keep an item split in two
 * where the other merged it, and encode differently. This compares what
 * they hold, from what a user sees down to how a deleted item is kept, and
 * names the first difference.
 */
import * as Y from 'yjs'

export interface Difference {
  /**
   * `state vector`: one holds changes the other lacks. `visible content`:
   * a user sees another document. `tombstone`: a deleted item is kept as
   * an item in one and garbage collected in the other, which decides where
   * a later change that refers to it lands (Yjs drops a change whose
   * neighbour is garbage collected). `structs`: they hold the same clocks
   * but other items, or wait for other missing changes. `delete set`: they
   * delete other clocks, which shows only once the changes those clocks
   * belong to arrive.
   */
  kind: 'state vector' | 'visible content' | 'tombstone' | 'structs' | 'delete set'
  detail: string
}

/** The first difference between `a` and `b`, or null if they hold the same document. */
export function differenceBetween(a: Y.Doc, b: Y.Doc): Difference | null {
  const [stateA, stateB] = [Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)]
  const [vectorA, vectorB] = [Y.encodeStateVector(a), Y.encodeStateVector(b)]
  if (!Buffer.from(vectorA).equals(vectorB)) {
    return { kind: 'state vector', detail: `${JSON.stringify([...Y.decodeStateVector(vectorA)])} vs ${JSON.stringify([...Y.decodeStateVector(vectorB)])}` }
  }
  if (Buffer.from(stateA).equals(stateB)) return null
  const [seenA, seenB] = [visibleContent(a), visibleContent(b)]
  if (seenA !== seenB) return { kind: 'visible content', detail: firstDifference(seenA, seenB) }
  const [deletesA, deletesB] = [deletedRanges(stateA), deletedRanges(stateB)]
  if (deletesA !== deletesB) return { kind: 'delete set', detail: firstDifference(deletesA, deletesB) }
  const [runsA, runsB] = [structRuns(stateA), structRuns(stateB)]
  const [withoutTombstonesA, withoutTombstonesB] = [mergeTombstones(runsA), mergeTombstones(runsB)]
  if (!sameRuns(withoutTombstonesA, withoutTombstonesB)) return { kind: 'structs', detail: firstDifferentRun(withoutTombstonesA, withoutTombstonesB) }
  if (!sameRuns(runsA, runsB)) return { kind: 'tombstone', detail: firstDifferentRun(runsA, runsB) }
  return null
}

/**
 * What a user of the document sees, as JSON: every root type's live items
 * in order (formatting marks included), its live map entries, and the same
 * for every type nested in them. Root types nothing is visible in are left
 * out: a document creates one as soon as an update names it.
 */
export function visibleContent(doc: Y.Doc): string {
  const roots = [...doc.share].sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([name, type]) => [name, visibleType(type, 0)] as const)
    .filter(([, content]) => content.list.length > 0 || Object.keys(content.map).length > 0)
    // What kind a root type is, is up to who reads it (a server that never calls getText sees an AbstractType).
    .map(([name, { list, map }]) => [name, { list, map }])
  return JSON.stringify(roots)
}

/** Deeper than any document a test builds; a bound so a hostile nesting cannot overflow the stack. */
const MAX_DEPTH = 64

function visibleType(type: Y.AbstractType<Y.YEvent<any>>, depth: number): { type: string; list: unknown[]; map: Record<string, unknown> } {
  const list: unknown[] = []
  const map: Record<string, unknown> = {}
  const name = type instanceof Y.XmlElement ? `${type.constructor.name} ${type.nodeName}` : type.constructor.name
  if (depth > MAX_DEPTH) return { type: `${name} nested too deeply`, list, map }
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue
    if (item.content instanceof Y.ContentFormat) list.push({ format: item.content.key, value: item.content.value })
    else if (item.countable) list.push(...item.content.getContent().map((value) => visibleValue(value, depth)))
  }
  for (const [key, item] of [...type._map].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!item.deleted) map[key] = visibleValue(item.content.getContent()[item.length - 1], depth)
  }
  return { type: name, list, map }
}

function visibleValue(value: unknown, depth: number): unknown {
  if (value instanceof Y.AbstractType) return visibleType(value, depth + 1)
  if (value instanceof Uint8Array) return { binary: Buffer.from(value).toString('hex') }
  if (value instanceof Y.Doc) return { doc: value.guid }
  return value
}

/** One struct of an encoded state, or consecutive ones that are pieces of one split item. */
interface StructRun {
  client: number
  clock: number
  length: number
  /** The content kind of an item (`ContentString`...), or `GC` or `Skip`. */
  kind: string
  origin: string | null
  rightOrigin: string | null
  parent: string | null
  parentSub: string | null
  values: unknown[]
}

const SPLITTABLE = new Set(['ContentString', 'ContentAny', 'ContentJSON', 'ContentDeleted', 'GC', 'Skip'])
const idText = (id: Y.ID | null) => (id ? `${id.client}:${id.clock}` : null)

/** The structs of an encoded state (what waits for missing changes included), each split item's pieces as one. */
function structRuns(state: Uint8Array): StructRun[] {
  const runs: StructRun[] = []
  for (const struct of Y.decodeUpdate(state).structs) {
    const item = struct instanceof Y.Item ? struct : null
    const run: StructRun = {
      client: struct.id.client, clock: struct.id.clock, length: struct.length,
      kind: item ? item.content.constructor.name : struct.constructor.name,
      origin: idText(item?.origin ?? null), rightOrigin: idText(item?.rightOrigin ?? null),
      parent: item ? (typeof item.parent === 'string' ? item.parent : idText(item.parent as Y.ID | null)) : null,
      parentSub: item?.parentSub ?? null,
      values: item ? item.content.getContent().map(describeStored) : [],
    }
    // A split item's right piece has its left piece's last clock as origin, and the same right origin.
    const last = runs[runs.length - 1]
    const isRestOfLast = last !== undefined && last.client === run.client && last.clock + last.length === run.clock
      && last.kind === run.kind && SPLITTABLE.has(run.kind)
      && (!item || (run.origin === `${last.client}:${run.clock - 1}` && run.rightOrigin === last.rightOrigin))
    if (isRestOfLast) {
      last.length += run.length
      last.values.push(...run.values)
    } else {
      runs.push(run)
    }
  }
  return runs
}

function describeStored(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Y.AbstractType) return value instanceof Y.XmlElement ? `${value.constructor.name} ${value.nodeName}` : value.constructor.name
  if (value instanceof Y.Doc) return `doc ${value.guid}`
  return value
}

/** The clocks an encoded state deletes, as JSON: each client's ranges in order, touching ones merged. */
function deletedRanges(state: Uint8Array): string {
  const clients = [...Y.decodeUpdate(state).ds.clients].sort(([x], [y]) => x - y)
  return JSON.stringify(clients.map(([client, ranges]) => {
    const merged: Array<[clock: number, end: number]> = []
    for (const { clock, len } of [...ranges].sort((x, y) => x.clock - y.clock)) {
      const last = merged[merged.length - 1]
      if (last && last[1] >= clock) last[1] = Math.max(last[1], clock + len)
      else merged.push([clock, clock + len])
    }
    return [client, merged]
  }))
}

/** The same runs with every garbage collected struct and deleted item as one kind of run, merged with its neighbours. */
function mergeTombstones(runs: readonly StructRun[]): StructRun[] {
  const merged: StructRun[] = []
  for (const run of runs) {
    const isTombstone = run.kind === 'GC' || run.kind === 'ContentDeleted'
    const last = merged[merged.length - 1]
    if (isTombstone && last?.kind === 'tombstone' && last.client === run.client && last.clock + last.length === run.clock) {
      last.length += run.length
    } else if (isTombstone) {
      merged.push({ client: run.client, clock: run.clock, length: run.length, kind: 'tombstone', origin: null, rightOrigin: null, parent: null, parentSub: null, values: [] })
    } else {
      merged.push(run)
    }
  }
  return merged
}

function sameRuns(a: readonly StructRun[], b: readonly StructRun[]): boolean {
  return a.length === b.length && a.every((run, i) => JSON.stringify(run) === JSON.stringify(b[i]))
}

function firstDifferentRun(a: readonly StructRun[], b: readonly StructRun[]): string {
  let i = 0
  while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++
  return `struct ${i}: ${JSON.stringify(a[i] ?? null)} vs ${JSON.stringify(b[i] ?? null)}`
}

function firstDifference(a: string, b: string): string {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  const from = Math.max(0, i - 80)
  return `from character ${i}: …${a.slice(from, i + 160)} vs …${b.slice(from, i + 160)}`
}

/**
 * What `doc` holds that Yjs does not expect, described; or null: a live map
 * value that is not its key's current one (Yjs throws collecting it once
 * its type is deleted), a live child under a deleted type, or a document
 * its own encoded state does not rebuild (a client loading it would see
 * another).
 */
export function brokenStructure(doc: Y.Doc): string | null {
  for (const structs of doc.store.clients.values()) {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue
      if (struct.parentSub !== null && struct.right !== null && !struct.deleted) return `${structId(struct.id)} is a live value of "${struct.parentSub}" that is not its current one`
      if (!(struct.content instanceof Y.ContentType) || !struct.deleted) continue
      const type = struct.content.type
      for (let child = type._start; child; child = child.right) {
        if (!child.deleted) return `${structId(child.id)} is live under the deleted type ${structId(struct.id)}`
      }
    }
  }
  const rebuilt = new Y.Doc()
  Y.applyUpdate(rebuilt, Y.encodeStateAsUpdate(doc))
  const [held, encoded] = [visibleContent(doc), visibleContent(rebuilt)]
  rebuilt.destroy()
  return held === encoded ? null : `its encoded state rebuilds another document:\n${held}\n${encoded}`
}

const structId = (id: Y.ID) => `${id.client}:${id.clock}`

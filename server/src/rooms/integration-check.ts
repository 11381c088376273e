/**
 * Whether the items an update added claim neighbours that could be true.
 *
 * Yjs places an item between the neighbours its writer saw (its origin and
 * right origin), ordering it among items other writers put there meanwhile
 * by rules that give every copy the same order, whatever order the items
 * arrive in, provided each claim could be true: the origin is left of the
 * right origin in the same list, and what lies between them now is what
 * others wrote concurrently, never what the writer itself wrote before. A
 * hostile update can claim otherwise (an origin right of its right origin,
 * an empty list where its own earlier items are), and then the order
 * depends on arrival: the room, which received the items one way, and a
 * client loading the room's encoded state, which integrates them another,
 * would see different documents.
 *
 * Checked on the document once the update is integrated, inside its
 * transaction, before Yjs merges items: for a keystroke that is a look at
 * its two neighbours; in general it walks what Yjs itself walked to place
 * the item.
 */
import * as Y from 'yjs'

/**
 * The clocks `doc` holds now for the clients an update writes structs of
 * (`starts`, from new-part.ts's `firstClocks`): what `impossiblePlacement`
 * needs once it is applied.
 */
export function clocksBefore(doc: Y.Doc, starts: ReadonlyMap<number, number>): Map<number, number> {
  const clocks = new Map<number, number>()
  for (const client of starts.keys()) clocks.set(client, Y.getState(doc.store, client))
  return clocks
}

/**
 * What of an update the room had checked for missing dependencies Yjs still
 * could not integrate, described; or null. Structs that wait on one another
 * in a cycle (an item whose origin is a struct of another client of the
 * same update, whose own origin is a later clock of the first) pass a check
 * that looks for each reference in the update, and Yjs then keeps them
 * "pending": a room never holds pending changes (rooms/waiting-updates.ts),
 * and its clients would send them back as changes the room lacks. Call
 * only for a document that held nothing pending before the update (a room
 * loaded from a log stored before updates were checked may).
 */
export function unintegratedPart(doc: Y.Doc): string | null {
  const { pendingStructs, pendingDs } = doc.store
  if (pendingStructs) {
    const [client, clock] = pendingStructs.missing.entries().next().value ?? []
    return `has structs that wait on one another in a cycle (waiting for ${client}:${clock})`
  }
  return pendingDs ? 'deletes what it never lets the document hold' : null
}

/**
 * The first item the last update added (the structs past `before`) whose
 * claimed neighbours cannot be true, described; or null. Called inside the
 * transaction that applied the update.
 */
export function impossiblePlacement(doc: Y.Doc, before: ReadonlyMap<number, number>): string | null {
  for (const [client, clock] of before) {
    const structs = doc.store.clients.get(client)
    if (!structs || Y.getState(doc.store, client) <= clock) continue
    for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
      const item = structs[i]
      // A GC struct has no place; an item Yjs could not place became one.
      if (!(item instanceof Y.Item) || item.id.clock < clock) continue
      const problem = placementProblem(item)
      if (problem) return `item ${item.id.client}:${item.id.clock} ${problem}`
    }
  }
  return null
}

function placementProblem(item: Y.Item): string | null {
  const { origin, rightOrigin } = item
  // Find the origin walking left and the right origin walking right: Yjs put the item between them if it could.
  let left = item.left
  let passed: Y.Item | null = null
  while (left && origin && !containsId(left, origin)) {
    passed ??= ownEarlier(left, item)
    left = left.left
  }
  if (origin && !left) return `is not right of its origin ${idText(origin)} in its list`
  if (!origin && left) passed ??= ownEarlierFrom(left, item, 'left')
  let right = item.right
  while (right && rightOrigin && !containsId(right, rightOrigin)) {
    passed ??= ownEarlier(right, item)
    right = right.right
  }
  if (rightOrigin && !right) return `is not left of its right origin ${idText(rightOrigin)} in its list`
  if (!rightOrigin && right) passed ??= ownEarlierFrom(right, item, 'right')
  return passed ? `claims not to have seen ${idText(passed.id)}, an earlier item of its own writer` : null
}

/** `other` if it is an item its writer wrote before `item` (so the writer saw it), else null. */
function ownEarlier(other: Y.Item, item: Y.Item): Y.Item | null {
  return other.id.client === item.id.client && other.id.clock < item.id.clock ? other : null
}

/** The first of the writer's own earlier items from `start` to the list's end in `direction`, or null. */
function ownEarlierFrom(start: Y.Item, item: Y.Item, direction: 'left' | 'right'): Y.Item | null {
  for (let other: Y.Item | null = start; other; other = other[direction]) {
    if (ownEarlier(other, item)) return other
  }
  return null
}

const containsId = (item: Y.Item, id: Y.ID) => item.id.client === id.client && item.id.clock <= id.clock && id.clock < item.id.clock + item.length
const idText = (id: Y.ID) => `${id.client}:${id.clock}`

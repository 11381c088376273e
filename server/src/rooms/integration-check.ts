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
 * So, too, a map value of more than one unit, which Yjs cannot delete
 * whole once split (mapValueProblem).
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
      const problem = mapValueProblem(item) ?? placementProblem(item)
      if (problem) return `item ${item.id.client}:${item.id.clock} ${problem}`
    }
  }
  return null
}

/**
 * A map's live value is one unit, and the key's current one: every writer's
 * `set` makes it so, and Yjs deletes the value it replaces. A hostile value
 * of several units (an `any` of three, a string) can be deleted in part,
 * which splits it, leaving a live value that is not the current one; when
 * its element is deleted later, Yjs deletes only the current value and
 * throws collecting the rest ("Unexpected case" in Item.gc), in the room
 * and in every client that deletes the element.
 */
function mapValueProblem(item: Y.Item): string | null {
  if (item.parentSub === null || item.deleted) return null
  if (item.length > 1) return `is a value of ${item.length} units for key "${item.parentSub}"`
  return item.right ? `is a live value for key "${item.parentSub}" that is not its current one` : null
}

function placementProblem(item: Y.Item): string | null {
  const { origin, rightOrigin } = item
  // Find the origin walking left and the right origin walking right (or the list's ends where the item claims one):
  // Yjs put the item between them if it could. What lies between is what the writer claims not to have seen.
  const between: Y.Item[] = []
  let left = item.left
  while (left && !(origin && containsId(left, origin))) {
    between.push(left)
    left = left.left
  }
  if (origin && !left) return `is not right of its origin ${idText(origin)} in its list`
  let right = item.right
  while (right && !(rightOrigin && containsId(right, rightOrigin))) {
    between.push(right)
    right = right.right
  }
  if (rightOrigin && !right) return `is not left of its right origin ${idText(rightOrigin)} in its list`
  if (between.length === 0) return null
  // The writer saw its own earlier items, and its neighbours' own neighbours: the right origin's origin lies left
  // of it, the origin's right origin right of it, in every copy. None of them can lie between.
  const seenByWriter = [left?.rightOrigin, right?.origin].filter((id): id is Y.ID => !!id)
  for (const other of between) {
    if (ownEarlier(other, item)) return `claims not to have seen ${idText(other.id)}, an earlier item of its own writer`
    const neighbour = seenByWriter.find((id) => containsId(other, id))
    if (neighbour) return `claims not to have seen ${idText(neighbour)}, a neighbour of its own neighbours`
  }
  return null
}

/** Whether `other` is an item its writer wrote before `item` (so the writer saw it). */
function ownEarlier(other: Y.Item, item: Y.Item): boolean {
  return other.id.client === item.id.client && other.id.clock < item.id.clock
}

const containsId = (item: Y.Item, id: Y.ID) => item.id.client === id.client && item.id.clock <= id.clock && id.clock < item.id.clock + item.length
const idText = (id: Y.ID) => `${id.client}:${id.clock}`

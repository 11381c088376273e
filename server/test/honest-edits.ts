/**
 * The edits honest users make, for the hostile-updates fuzz: chosen at
 * random, written down, and made from what is written down, so that a
 * recorded run replays exactly. Positions count as Yjs counts them, and
 * fall between characters and around whole elements, as an editor's do.
 */
import * as Y from 'yjs'

/** One honest edit, as a user makes it: typing or deleting in the Y.Text `t`, adding, removing or typing into a paragraph of the Y.XmlFragment `x`. */
export type HonestEdit =
  | { kind: 'insert text'; at: number; text: string; bold: boolean }
  | { kind: 'delete text'; at: number; length: number }
  | { kind: 'remove element'; at: number }
  | { kind: 'type into element'; element: number; at: number }
  | { kind: 'add paragraph'; at: number }

/** An edit a user might make to `doc` now, or null where the roll found nothing to do. */
export function honestEdit(doc: Y.Doc, random: () => number): HonestEdit | null {
  const int = (n: number) => Math.floor(random() * n)
  const roll = random()
  if (roll < 0.5) {
    const text = doc.getText('t')
    // As an editor does, between characters: never between the halves of a hostile update's emoji.
    const content = indexedContent(text)
    if (text.length > 0 && roll < 0.15) {
      const at = characterBoundary(content, int(text.length))
      const end = characterBoundary(content, Math.min(at + 1 + int(3), text.length))
      return end > at ? { kind: 'delete text', at, length: end - at } : null
    }
    return { kind: 'insert text', at: characterBoundary(content, int(text.length + 1)), text: ['a', 'honest ', 'ö', '✓'][int(4)]!, bold: roll < 0.2 }
  }
  const xml = doc.getXmlFragment('x')
  if (xml.length > 0 && roll < 0.65) {
    // A whole element, as an editor removes a block: not a unit of a string a hostile update put beside them.
    const at = int(xml.length)
    return xml.get(at) instanceof Y.AbstractType ? { kind: 'remove element', at } : null
  }
  const element = xml.length > 0 && roll < 0.8 ? int(xml.length) : -1
  const child = element >= 0 ? xml.get(element) : null
  const inner = child instanceof Y.XmlElement ? child.get(0) : null
  if (inner instanceof Y.XmlText) return { kind: 'type into element', element, at: characterBoundary(indexedContent(inner), int(inner.length + 1)) }
  return { kind: 'add paragraph', at: characterBoundary(indexedContent(xml), int(xml.length + 1)) }
}

/** Makes `edit` on `doc`. */
export function makeHonestEdit(doc: Y.Doc, edit: HonestEdit): void {
  const text = doc.getText('t')
  const xml = doc.getXmlFragment('x')
  switch (edit.kind) {
    case 'insert text':
      return text.insert(edit.at, edit.text, edit.bold ? { bold: true } : undefined)
    case 'delete text':
      return text.delete(edit.at, edit.length)
    case 'remove element':
      return xml.delete(edit.at, 1)
    case 'type into element':
      return ((xml.get(edit.element) as Y.XmlElement).get(0) as Y.XmlText).insert(edit.at, 'typed')
    case 'add paragraph': {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText('honest paragraph')])
      return xml.insert(edit.at, [paragraph])
    }
  }
}

/**
 * A text or fragment as its indexes count it, read from its items: whatever
 * else a hostile update put in it (embeds, elements, JSON and `any` content
 * of any length, which `toString` leaves out) stands as that many
 * placeholder characters, and a string a hostile update put into a fragment
 * as itself, so that a position in this string is the same position in the
 * type, as an editor's mapping makes it.
 */
function indexedContent(text: Y.AbstractType<any>): string {
  let content = ''
  for (let item = text._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue
    content += item.content instanceof Y.ContentString ? item.content.str : '\u0000'.repeat(item.length)
  }
  return content
}

/** `at`, or the position after it when `at` falls between the two halves of a surrogate pair. */
function characterBoundary(text: string, at: number): number {
  const isInside = at > 0 && at < text.length && /[\uD800-\uDBFF]/.test(text[at - 1]!) && /[\uDC00-\uDFFF]/.test(text[at]!)
  return isInside ? at + 1 : at
}

/**
 * What changed an honest client's document, in order: every frame the room
 * sent it and every edit it made (with the update the edit wrote, once it
 * did). Replayed in this order into a new document with the same client id,
 * they rebuild the client's document exactly, as its encoded state may not.
 */
export type HonestEvent = { kind: 'received'; frame: string } | { kind: 'edit'; edit: HonestEdit; update?: string }

/**
 * Cleaning pasted HTML before the schema's parse rules read it. Word
 * processors put their own structure on the clipboard: Google Docs wraps
 * everything in a `<b id="docs-internal-guid-…">` and puts blank lines as
 * `<br>` between blocks; Word on the web puts each list item in a list of
 * its own inside a `ListContainerWrapper`, with its depth in
 * `data-aria-level`, and ends paragraphs with an `EOP` span holding a
 * non-breaking space; desktop Word writes lists as `MsoListParagraph`
 * paragraphs whose depth is in an `mso-list` style and whose bullet is
 * text. What comes out is plain HTML (real nested lists, no wrappers, no
 * empty paragraphs) that the schema turns into its own nodes; marks still
 * come from the styles the parse rules read (`font-weight:700` is bold).
 */
import { Plugin } from 'prosemirror-state'

// Elements whose content is never part of a document.
const dropped = 'style, script, meta, title, link, template, xml, o\\:p, .EOP, [style*="mso-list:Ignore" i], [style*="mso-list: Ignore" i]'
// Elements that hold blocks, not text: a <br> or whitespace directly inside one is no line of the document.
const blockContainers = new Set(['BODY', 'UL', 'OL', 'LI', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'TD', 'TH', 'BLOCKQUOTE'])
const textblocks = 'p, h1, h2, h3, h4, h5, h6'

/** Replaces `element` by its children. */
function unwrap(element: Element): void {
  element.replaceWith(...element.childNodes)
}

interface ListEntry {
  level: number
  tag: 'UL' | 'OL'
  item: HTMLElement
}

// Node types by number: the cleaning also runs where the DOM's classes are no globals (jsdom under Node).
const ELEMENT_NODE = 1
const TEXT_NODE = 3
const isElement = (node: Node | null): node is HTMLElement => node?.nodeType === ELEMENT_NODE
const isList = (node: Node | null): node is HTMLElement => isElement(node) && (node.tagName === 'UL' || node.tagName === 'OL')

/** The depth word processors give a list item (1 for the outermost), if they give one. */
function givenLevel(element: Element): number | null {
  const aria = element.getAttribute('data-aria-level') ?? element.getAttribute('aria-level')
  const mso = /mso-list:\s*\S+\s+level(\d+)/i.exec(element.getAttribute('style') ?? '')?.[1]
  const level = Number(aria ?? mso ?? Number.NaN)
  return Number.isInteger(level) && level >= 1 ? level : null
}

/** A desktop Word list paragraph: its style names a list and a level. */
const isMsoListParagraph = (node: Node | null): node is HTMLElement =>
  isElement(node) && node.tagName === 'P' && /mso-list:\s*l\d+\s+level\d+/i.test(node.getAttribute('style') ?? '')

/** Reads a list (and the lists nested in it, or put beside its items as Google Docs does) into flat entries. */
function readList(list: HTMLElement, depth: number, into: ListEntry[]): void {
  for (const child of [...list.children]) {
    if (isList(child)) {
      readList(child, depth + 1, into)
    } else if (child.tagName === 'LI') {
      const item = child as HTMLElement
      const nested = [...item.children].filter(isList)
      for (const list of nested) list.remove()
      into.push({ level: givenLevel(item) ?? depth, tag: list.tagName as 'UL' | 'OL', item })
      for (const list of nested) readList(list, depth + 1, into)
    }
  }
}

/** A desktop Word list paragraph as an entry: an <li> with its text, numbered if its bullet text was a number. */
function readMsoListParagraph(paragraph: HTMLElement, marker: string, into: ListEntry[]): void {
  const item = paragraph.ownerDocument.createElement('li')
  const text = paragraph.ownerDocument.createElement('p')
  text.append(...paragraph.childNodes)
  item.append(text)
  into.push({ level: givenLevel(paragraph) ?? 1, tag: /^\s*(\d+|[a-z]+|[ivxlc]+)[.)]/i.test(marker) ? 'OL' : 'UL', item })
}

/** Builds nested lists from flat entries: a deeper entry goes in a list inside the item before it. */
function buildLists(entries: ListEntry[], document: Document): HTMLElement[] {
  const roots: HTMLElement[] = []
  const open: Array<{ level: number; list: HTMLElement }> = []
  for (const { level, tag, item } of entries) {
    while (open.length > 0 && open[open.length - 1]!.level > level) open.pop()
    let top = open[open.length - 1]
    if (top && top.level === level && top.list.tagName !== tag) {
      open.pop()
      top = open[open.length - 1]
    }
    if (!top || top.level < level) {
      const list = document.createElement(tag)
      const parentItem = top?.list.lastElementChild
      if (parentItem) parentItem.append(list)
      else roots.push(list)
      open.push({ level, list })
      top = open[open.length - 1]
    }
    top!.list.append(item)
  }
  return roots
}

/** Rebuilds each run of adjacent lists and list paragraphs under `parent` as properly nested lists. */
function relist(parent: Element, document: Document): void {
  let node: ChildNode | null = parent.firstChild
  while (node) {
    if (!isList(node) && !isMsoListParagraph(node)) {
      if (isElement(node)) relist(node, document)
      node = node.nextSibling
      continue
    }
    const entries: ListEntry[] = []
    const first = node
    let next: ChildNode | null = node
    while (next && (isList(next) || isMsoListParagraph(next) || (next.nodeType === TEXT_NODE && next.textContent!.trim() === ''))) {
      const current: ChildNode = next
      next = current.nextSibling
      if (isList(current)) readList(current, 1, entries)
      else if (isMsoListParagraph(current)) readMsoListParagraph(current, current.dataset.marker ?? '', entries)
      if (current !== first) current.remove()
    }
    // The items hold no lists now (they were read out of them): what is left inside may hold lists of its own.
    for (const entry of entries) relist(entry.item, document)
    first.replaceWith(...buildLists(entries, document))
    node = next
  }
}

const isBlank = (element: Element) =>
  element.textContent!.replace(/[\s\u00a0\u200b]/g, '') === '' && !element.querySelector('img')

/**
 * `html` from the clipboard, cleaned of what word processors and web pages wrap around a document's content, for
 * the schema's parse rules. `document` only creates the inert document the cleaning happens in.
 */
export function cleanPastedHtml(html: string, document: Document): string {
  const parsed = new (document.defaultView!.DOMParser)().parseFromString(html, 'text/html')
  const body = parsed.body
  // Desktop Word writes the bullet as text in an ignored span: its text says whether the list is numbered.
  for (const paragraph of body.querySelectorAll<HTMLElement>('p')) {
    if (!isMsoListParagraph(paragraph)) continue
    const marker = paragraph.querySelector('[style*="mso-list:Ignore" i], [style*="mso-list: Ignore" i]')
    paragraph.dataset.marker = marker?.textContent ?? ''
  }
  for (const element of body.querySelectorAll(dropped)) element.remove()
  // Wrappers with no meaning of their own: Google Docs' <b>, Word's and pages' <div>s (a div in a list item or cell
  // would otherwise keep the lists around it apart).
  for (const element of body.querySelectorAll('b[id^="docs-internal-guid"], div, section, article, main, header, footer, font')) unwrap(element)
  // Word on the web marks bold with a class name as well as a style; the class is what it always writes.
  for (const element of body.querySelectorAll<HTMLElement>('span[class*="MacChromeBold"]')) element.style.fontWeight = 'bold'
  // Word on the web writes headings as paragraphs with a heading role.
  for (const paragraph of body.querySelectorAll('p[role="heading"][aria-level]')) {
    const level = Math.min(6, Math.max(1, Number(paragraph.getAttribute('aria-level')) || 1))
    const heading = parsed.createElement(`h${level}`)
    heading.append(...paragraph.childNodes)
    paragraph.replaceWith(heading)
  }
  // A weight below 600 is no bold (web pages set 500 on headings); the schema's rule reads any weight from 500 up.
  for (const element of body.querySelectorAll<HTMLElement>('[style*="font-weight" i]')) {
    if (/^[1-5]\d\d$/.test(element.style.fontWeight)) element.style.removeProperty('font-weight')
  }
  // Browsers copy the spaces around inline elements as non-breaking ones, so that they survive as HTML; the
  // document's own spaces are ordinary ones (code keeps what it had).
  const walker = parsed.createTreeWalker(body, 4 /* NodeFilter.SHOW_TEXT */)
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (text.textContent!.includes('\u00a0') && !text.parentElement?.closest('pre')) text.textContent = text.textContent!.replace(/\u00a0/g, ' ')
  }
  relist(body, parsed)
  for (const element of body.querySelectorAll('br')) {
    // Between blocks, or the break browsers keep at the end of a line so that it has a height: no line break of the text.
    if (blockContainers.has(element.parentElement?.tagName ?? 'BODY') || (element.matches(`:is(${textblocks}) > br:last-child`) && !element.nextSibling)) {
      element.remove()
    }
  }
  for (const element of body.querySelectorAll(textblocks)) {
    if (isBlank(element)) element.remove()
  }
  return body.innerHTML
}

/** The paste plugin: every HTML paste is cleaned first. */
export function pastePlugin(): Plugin {
  return new Plugin({ props: { transformPastedHTML: (html, view) => cleanPastedHtml(html, view.dom.ownerDocument) } })
}

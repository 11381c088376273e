/**
 * The ProseMirror schema of an Ortak document. The browser editor renders
 * it and the server reads the same one for export, so nothing here may
 * touch the DOM when the module loads: `toDOM` only returns DOM specs.
 *
 * Node and mark names follow prosemirror-markdown's schema (`strong`, `em`,
 * `code_block`, ...) so its serializer works on Ortak documents as they are.
 * y-prosemirror stores a node under its name as a Y.XmlElement and a mark
 * under its name as a formatting attribute, so renaming anything here makes
 * stored documents unreadable.
 */
import { Schema, type DOMOutputSpec, type MarkSpec, type NodeSpec } from 'prosemirror-model'
import { tableNodes } from './table-nodes.js'

/** The Y.XmlFragment of the Y.Doc that holds the document (`doc.getXmlFragment(documentFragmentName)`). */
export const documentFragmentName = 'prosemirror'

export const headingLevels = [1, 2, 3] as const

const headingLevel = (value: unknown): void => {
  if (!headingLevels.includes(value as 1 | 2 | 3)) throw new RangeError(`heading level must be 1, 2 or 3, got ${String(value)}`)
}

// Links come from other people's documents: only protocols that cannot run code are rendered.
const safeHref = /^(?:https?:|mailto:|tel:|[^:]*$)/i

/** Whether `href` may be rendered as a link target (no `javascript:` and the like). */
export function isSafeHref(href: string): boolean {
  return safeHref.test(href.trim())
}

// Images come from other people's documents too, and are fetched by every reader's browser: web addresses and
// paths on this server only. `data:` is refused as well: a pasted picture belongs in the room's files (see the
// upload endpoint), not inside the document, where every keystroke's sync and every stored snapshot would carry it.
const safeImageSrc = /^(?:https?:\/\/|[^:]*$)/i

/** Whether `src` may be an image's source: http(s) or a relative address, never `javascript:` or `data:`. */
export function isSafeImageSrc(src: string): boolean {
  return src.trim() !== '' && safeImageSrc.test(src.trim())
}

const imageSrc = (value: unknown): void => {
  if (typeof value !== 'string' || (value !== '' && !isSafeImageSrc(value))) {
    throw new RangeError(`image src must be an http(s) or relative address, got ${JSON.stringify(value)?.slice(0, 40)}`)
  }
}

const imageWidth = (value: unknown): void => {
  if (value !== null && !(Number.isInteger(value) && (value as number) > 0)) {
    throw new RangeError(`image width must be a whole number of pixels above 0 or null, got ${JSON.stringify(value)?.slice(0, 40)}`)
  }
}

/** The width an <img> was given, in whole pixels (its width attribute, else a px width in its style); null if none. */
function widthOf(img: HTMLElement): number | null {
  const given = img.getAttribute('width') ?? /^\s*(\d+(?:\.\d+)?)px\s*$/.exec(img.style.width)?.[1]
  const width = given === undefined || given === null ? Number.NaN : Math.round(Number(given))
  return width > 0 ? width : null
}

/**
 * Whether an <li> is a task, and done: GitHub's rendered task lists put a checkbox first, Google Docs marks the
 * item `aria-checked`, and Ortak's own HTML says `data-checked`. null for an ordinary item.
 */
function checkedOf(li: HTMLElement): boolean | null {
  const marked = li.getAttribute('data-checked') ?? li.getAttribute('aria-checked')
  if (marked === 'true' || marked === 'false') return marked === 'true'
  const first = li.firstElementChild
  if (first?.tagName === 'INPUT' && (first as HTMLInputElement).type === 'checkbox') return first.hasAttribute('checked')
  return li.classList.contains('task-list-item') ? false : null
}

const nodes: Record<string, NodeSpec> = {
  doc: { content: 'block+' },
  paragraph: {
    content: 'inline*',
    group: 'block',
    parseDOM: [{ tag: 'p' }],
    toDOM: (): DOMOutputSpec => ['p', 0],
  },
  heading: {
    attrs: { level: { default: 1, validate: headingLevel } },
    content: 'inline*',
    group: 'block',
    defining: true,
    parseDOM: [
      { tag: 'h1', attrs: { level: 1 } },
      { tag: 'h2', attrs: { level: 2 } },
      // Deeper headings pasted from elsewhere become the deepest level we have.
      ...['h3', 'h4', 'h5', 'h6'].map((tag) => ({ tag, attrs: { level: 3 } })),
    ],
    toDOM: (node): DOMOutputSpec => [`h${node.attrs.level as number}`, 0],
  },
  blockquote: {
    content: 'block+',
    group: 'block',
    defining: true,
    parseDOM: [{ tag: 'blockquote' }],
    toDOM: (): DOMOutputSpec => ['blockquote', 0],
  },
  code_block: {
    content: 'text*',
    marks: '',
    group: 'block',
    code: true,
    defining: true,
    parseDOM: [{ tag: 'pre', preserveWhitespace: 'full' }],
    toDOM: (): DOMOutputSpec => ['pre', ['code', 0]],
  },
  horizontal_rule: {
    group: 'block',
    parseDOM: [{ tag: 'hr' }],
    toDOM: (): DOMOutputSpec => ['hr'],
  },
  bullet_list: {
    content: 'list_item+',
    group: 'block',
    parseDOM: [{ tag: 'ul' }],
    toDOM: (): DOMOutputSpec => ['ul', 0],
  },
  ordered_list: {
    attrs: { order: { default: 1, validate: 'number' } },
    content: 'list_item+',
    group: 'block',
    parseDOM: [{
      tag: 'ol',
      getAttrs: (dom) => ({ order: (dom as HTMLElement).hasAttribute('start') ? Number((dom as HTMLElement).getAttribute('start')) || 1 : 1 }),
    }],
    toDOM: (node): DOMOutputSpec => node.attrs.order === 1 ? ['ol', 0] : ['ol', { start: String(node.attrs.order) }, 0],
  },
  // A task is a list item with `checked` true or false; an ordinary item has null, which y-prosemirror does not
  // store, so documents written before tasks existed read as they did. Lists may mix tasks and other items, as
  // GitHub's markdown does.
  list_item: {
    attrs: { checked: { default: null, validate: 'boolean|null' } },
    content: 'paragraph block*',
    defining: true,
    parseDOM: [{ tag: 'li', getAttrs: (dom) => ({ checked: checkedOf(dom as HTMLElement) }) }],
    toDOM: (node): DOMOutputSpec => node.attrs.checked === null ? ['li', 0] : ['li', { 'data-checked': String(node.attrs.checked) }, 0],
  },
  ...tableNodes,
  text: { group: 'inline' },
  // Inline, as in markdown (`![alt](src)` sits in a paragraph) and as Google Docs and Word put pictures on the
  // clipboard (an <img> inside a <p>): a pasted picture lands where it was, with no empty paragraphs around it.
  image: {
    inline: true,
    group: 'inline',
    draggable: true,
    attrs: {
      // Every attribute has a default, so an image element y-prosemirror reads always builds, whatever attribute
      // another client left off or removed: without a source it is a picture missing, not an error that would
      // make the editor delete it for everyone. '' is that missing source.
      src: { default: '', validate: imageSrc },
      alt: { default: null, validate: 'string|null' },
      title: { default: null, validate: 'string|null' },
      width: { default: null, validate: imageWidth },
    },
    parseDOM: [{
      tag: 'img[src]',
      // A picture the schema cannot hold (`data:`, `blob:`, `file:`) is left out here: the editor uploads a pasted
      // one first and puts the upload's address in its place.
      getAttrs: (dom) => {
        const img = dom as HTMLElement
        const src = img.getAttribute('src')!
        return isSafeImageSrc(src) ? { src, alt: img.getAttribute('alt'), title: img.getAttribute('title'), width: widthOf(img) } : false
      },
    }],
    toDOM: (node): DOMOutputSpec => {
      const { src, alt, title, width } = node.attrs as { src: string; alt: string | null; title: string | null; width: number | null }
      const attrs: Record<string, string> = {}
      if (src !== '') attrs.src = src
      if (alt !== null) attrs.alt = alt
      if (title !== null) attrs.title = title
      if (width !== null) attrs.width = String(width)
      return ['img', attrs]
    },
  },
  hard_break: {
    inline: true,
    group: 'inline',
    selectable: false,
    parseDOM: [{ tag: 'br' }],
    toDOM: (): DOMOutputSpec => ['br'],
  },
}

const marks: Record<string, MarkSpec> = {
  link: {
    attrs: { href: { validate: 'string' }, title: { default: null, validate: 'string|null' } },
    inclusive: false,
    parseDOM: [{
      tag: 'a[href]',
      // A pasted link the schema does not render (`javascript:void(0)` is common on web pages) stays text: the
      // server refuses to store such links, and a paste must never cost the editor its connection.
      getAttrs: (dom) => {
        const href = (dom as HTMLElement).getAttribute('href')!
        return isSafeHref(href) ? { href, title: (dom as HTMLElement).getAttribute('title') } : false
      },
    }],
    toDOM: (mark): DOMOutputSpec => {
      const { href, title } = mark.attrs as { href: string; title: string | null }
      const attrs: Record<string, string> = { rel: 'noopener noreferrer nofollow' }
      if (isSafeHref(href)) attrs.href = href
      if (title) attrs.title = title
      return ['a', attrs, 0]
    },
  },
  em: {
    parseDOM: [{ tag: 'i' }, { tag: 'em' }, { style: 'font-style=italic' }],
    toDOM: (): DOMOutputSpec => ['em', 0],
  },
  strong: {
    parseDOM: [
      { tag: 'strong' },
      // Google Docs wraps whole documents in <b style="font-weight:normal">.
      { tag: 'b', getAttrs: (dom) => (dom as HTMLElement).style.fontWeight !== 'normal' && null },
      { style: 'font-weight', getAttrs: (value) => /^(bold(er)?|[5-9]\d{2,})$/.test(value as string) && null },
    ],
    toDOM: (): DOMOutputSpec => ['strong', 0],
  },
  strike: {
    parseDOM: [{ tag: 's' }, { tag: 'del' }, { tag: 'strike' }, { style: 'text-decoration=line-through' }],
    toDOM: (): DOMOutputSpec => ['s', 0],
  },
  code: {
    code: true,
    parseDOM: [{ tag: 'code' }],
    toDOM: (): DOMOutputSpec => ['code', 0],
  },
}

/** The schema of every Ortak document. */
export const schema = new Schema({ nodes, marks })

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
  list_item: {
    content: 'paragraph block*',
    defining: true,
    parseDOM: [{ tag: 'li' }],
    toDOM: (): DOMOutputSpec => ['li', 0],
  },
  text: { group: 'inline' },
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

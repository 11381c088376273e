/**
 * Markdown in and out of Ortak documents, through prosemirror-markdown
 * (markdown-it underneath). The schema's node and mark names follow
 * prosemirror-markdown's, so its parser rules are reused; only what our
 * schema lacks or adds is handled here. Writing Markdown lives in
 * @ortak/schema, shared with the editor.
 */
import MarkdownIt from 'markdown-it'
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs'
import type Token from 'markdown-it/lib/token.mjs'
import { MarkdownParser, defaultMarkdownParser } from 'prosemirror-markdown'
import type { Node } from 'prosemirror-model'
import { headingLevels, isSafeHref, schema } from '@ortak/schema'

export { documentToMarkdown } from '@ortak/schema'

const deepestHeading = headingLevels[headingLevels.length - 1]!

/**
 * The schema has no images: an image becomes a link to its source with the
 * alt text as the link text, so nothing a writer put in is dropped.
 */
function imagesAsLinks(markdown: MarkdownIt): void {
  markdown.core.ruler.push('ortak_images_as_links', (state: StateCore) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children?.some((t) => t.type === 'image')) continue
      block.children = block.children.flatMap((token): Token[] => {
        if (token.type !== 'image') return [token]
        const open = new state.Token('link_open', 'a', 1)
        open.attrs = [['href', token.attrGet('src') ?? '']]
        const title = token.attrGet('title')
        if (title) open.attrs.push(['title', title])
        const text = new state.Token('text', '', 0)
        text.content = token.content || (token.attrGet('src') ?? '')
        return [open, text, new state.Token('link_close', 'a', -1)]
      })
    }
  })
}

/**
 * markdown-it lets through links the schema's editor would not make (`ftp:`, `irc:`); the server
 * refuses to store them, so they are kept as their text, as the HTML parser keeps them.
 */
function unsafeLinksAsText(markdown: MarkdownIt): void {
  markdown.core.ruler.push('ortak_unsafe_links_as_text', (state: StateCore) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue
      const isDropped: boolean[] = []
      block.children = block.children.filter((token) => {
        if (token.type === 'link_open') {
          isDropped.push(!isSafeHref(token.attrGet('href') ?? ''))
          return !isDropped[isDropped.length - 1]
        }
        if (token.type === 'link_close') return !isDropped.pop()
        return true
      })
    }
  })
}

// CommonMark plus strikethrough (`~~`), the one mark of the schema CommonMark has no syntax for.
// Raw HTML stays off: it arrives as text, never as markup.
const tokenizer = MarkdownIt('commonmark', { html: false }).enable('strikethrough').use(imagesAsLinks).use(unsafeLinksAsText)

// prosemirror-markdown's token rules, less `image` (no such node: images arrive as links, see above).
const { image: _image, ...tokenRules } = defaultMarkdownParser.tokens

const parser = new MarkdownParser(schema, tokenizer, {
  ...tokenRules,
  // Deeper headings than the schema has become its deepest level.
  heading: { block: 'heading', getAttrs: (token) => ({ level: Math.min(Number(token.tag.slice(1)), deepestHeading) }) },
  s: { mark: 'strike' },
})

/** Parses CommonMark (with `~~strikethrough~~`) into a document of the Ortak schema. */
export function markdownToDocument(markdown: string): Node {
  return parser.parse(markdown)
}

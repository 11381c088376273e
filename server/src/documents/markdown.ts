/**
 * Markdown in and out of Ortak documents, through prosemirror-markdown
 * (markdown-it underneath). The schema's node and mark names follow
 * prosemirror-markdown's, so its parser rules are reused; only what our
 * schema lacks or adds is handled here: strikethrough, GFM tables and task
 * lists. Writing Markdown lives in @ortak/schema, shared with the editor.
 *
 * A table GFM cannot express (merged cells, a cell holding more than one
 * paragraph, no header row) is written as an HTML `<table>` block, and such
 * a block is read back through the HTML parser: other raw HTML stays text.
 * Widths (of images and table columns) have no markdown syntax and are not
 * written; everything else of a document comes back as it was.
 */
import { randomUUID } from 'node:crypto'
import MarkdownIt from 'markdown-it'
import type StateBlock from 'markdown-it/lib/rules_block/state_block.mjs'
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs'
import type Token from 'markdown-it/lib/token.mjs'
import { MarkdownParser, defaultMarkdownParser } from 'prosemirror-markdown'
import { Fragment, type Node } from 'prosemirror-model'
import { documentToMarkdown as writeMarkdown, headingLevels, isSafeHref, isSafeImageSrc, schema } from '@ortak/schema'
import { htmlToDocument, serverDocument } from './html.js'

const deepestHeading = headingLevels[headingLevels.length - 1]!

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

/** An image the schema cannot hold (`data:`, `ftp:`) is kept as its alt text. An empty source is a picture missing. */
function unsafeImagesAsText(markdown: MarkdownIt): void {
  markdown.core.ruler.push('ortak_unsafe_images_as_text', (state: StateCore) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children?.some((t) => t.type === 'image')) continue
      block.children = block.children.map((token) => {
        const src = token.attrGet('src') ?? ''
        if (token.type !== 'image' || src === '' || isSafeImageSrc(src)) return token
        const text = new state.Token('text', '', 0)
        text.content = token.content
        return text
      })
    }
  })
}

// GFM's task list item marker: `[ ]` or `[x]` opening the item's first paragraph, then white space or its end.
const taskMarker = /^\[([ xX])\](?:[ \t]+|(?=\n)|$)/

/** GFM task list items: the marker becomes the item's `checked` (in the token's meta) and leaves its text. */
function taskItems(markdown: MarkdownIt): void {
  markdown.core.ruler.before('inline', 'ortak_task_items', (state: StateCore) => {
    const tokens = state.tokens
    for (let i = 0; i + 2 < tokens.length; i++) {
      const [item, paragraph, inline] = [tokens[i]!, tokens[i + 1]!, tokens[i + 2]!]
      if (item.type !== 'list_item_open' || paragraph.type !== 'paragraph_open' || inline.type !== 'inline') continue
      const marker = taskMarker.exec(inline.content)
      if (!marker) continue
      item.meta = { checked: marker[1] !== ' ' }
      inline.content = inline.content.slice(marker[0].length)
    }
  })
}

/** GFM table cells hold inline content; the schema's cells hold blocks: each gets its paragraph. */
function tableCellParagraphs(markdown: MarkdownIt): void {
  markdown.core.ruler.push('ortak_table_cell_paragraphs', (state: StateCore) => {
    state.tokens = state.tokens.flatMap((token, i, tokens): Token[] => {
      if (token.type !== 'inline' || !/^t[hd]_open$/.test(tokens[i - 1]?.type ?? '')) return [token]
      return [new state.Token('paragraph_open', 'p', 1), token, new state.Token('paragraph_close', 'p', -1)]
    })
  })
}

interface ParseEnv {
  /** The HTML of each `<table>` block met, in order; the document holds a placeholder paragraph for each. */
  htmlTables: string[]
  /** Unique to one parse: no text a writer typed can be mistaken for a placeholder. */
  placeholder: string
}

const tableOpen = /<table[\s>]/gi
const tableClose = /<\/table>/gi

/**
 * A block that starts with `<table` and runs to the line where its tables close: the HTML this module
 * writes for a table GFM cannot express. Its lines are kept whole for the HTML parser; the token's
 * content is a placeholder, replaced by the parsed table once the document is read.
 */
function htmlTableBlocks(markdown: MarkdownIt): void {
  markdown.block.ruler.before('table', 'ortak_html_table', (state: StateBlock, startLine: number, endLine: number, silent: boolean) => {
    const start = state.bMarks[startLine]! + state.tShift[startLine]!
    if (state.sCount[startLine]! - state.blkIndent >= 4 || !/^<table[\s>]/i.test(state.src.slice(start, start + 7))) return false
    let depth = 0
    for (let line = startLine; line < endLine; line++) {
      if (state.isEmpty(line)) continue
      if (state.sCount[line]! < state.blkIndent) return false
      const text = state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line])
      depth += (text.match(tableOpen)?.length ?? 0) - (text.match(tableClose)?.length ?? 0)
      if (depth > 0) continue
      if (!/<\/table>\s*$/i.test(text)) return false
      if (silent) return true
      const env = state.env as ParseEnv
      const token = state.push('ortak_html_table', '', 0)
      token.content = `${env.placeholder}${env.htmlTables.length}`
      token.map = [startLine, line + 1]
      env.htmlTables.push(state.getLines(startLine, line + 1, state.blkIndent, false))
      state.line = line + 1
      return true
    }
    return false
  }, { alt: ['paragraph', 'reference', 'blockquote', 'list'] })
}

// CommonMark plus strikethrough (`~~`), GFM tables and task lists. Raw HTML stays off: it arrives as text,
// never as markup, but for the `<table>` blocks above.
const tokenizer = MarkdownIt('commonmark', { html: false })
  .enable(['strikethrough', 'table'])
  .use(htmlTableBlocks).use(taskItems).use(tableCellParagraphs).use(unsafeLinksAsText).use(unsafeImagesAsText)

const parser = new MarkdownParser(schema, tokenizer, {
  ...defaultMarkdownParser.tokens,
  // Deeper headings than the schema has become its deepest level.
  heading: { block: 'heading', getAttrs: (token) => ({ level: Math.min(Number(token.tag.slice(1)), deepestHeading) }) },
  list_item: { block: 'list_item', getAttrs: (token) => ({ checked: (token.meta as { checked?: boolean } | null)?.checked ?? null }) },
  s: { mark: 'strike' },
  table: { block: 'table' },
  thead: { ignore: true },
  tbody: { ignore: true },
  tr: { block: 'table_row' },
  th: { block: 'table_header' },
  td: { block: 'table_cell' },
  ortak_html_table: { block: 'paragraph', noCloseToken: true },
})

/** Parses CommonMark (with `~~strikethrough~~`, GFM tables and task lists) into a document of the Ortak schema. */
export async function markdownToDocument(markdown: string): Promise<Node> {
  const env: ParseEnv = { htmlTables: [], placeholder: `ortak-html-table-${randomUUID()}-` }
  const doc = parser.parse(markdown, env)
  if (env.htmlTables.length === 0) return doc
  const tables = await Promise.all(env.htmlTables.map(async (html) => (await htmlToDocument(html)).content))
  return replacePlaceholders(doc, env.placeholder, tables)
}

/** `node` with each placeholder paragraph replaced by the blocks its HTML held. */
function replacePlaceholders(node: Node, placeholder: string, tables: readonly Fragment[]): Node {
  const children: Node[] = []
  node.forEach((child) => {
    const text = child.type === schema.nodes.paragraph ? child.textContent : ''
    const table = text.startsWith(placeholder) ? tables[Number(text.slice(placeholder.length))] : undefined
    if (table) table.forEach((block) => children.push(block))
    else children.push(child.isTextblock || child.isLeaf ? child : replacePlaceholders(child, placeholder, tables))
  })
  return node.copy(Fragment.from(children))
}

/** Writes a document as CommonMark with GFM tables and task lists (see @ortak/schema's `documentToMarkdown`). */
export async function documentToMarkdown(doc: Node): Promise<string> {
  return writeMarkdown(doc, await serverDocument())
}

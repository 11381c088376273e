/**
 * Markdown in and out of Ortak documents, through prosemirror-markdown
 * (markdown-it underneath). The schema's node and mark names follow
 * prosemirror-markdown's, so its parser and serializer rules are reused;
 * only what our schema lacks or adds is handled here: strikethrough, GFM
 * tables and task lists.
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
import { MarkdownParser, MarkdownSerializer, defaultMarkdownParser, defaultMarkdownSerializer } from 'prosemirror-markdown'
import { Fragment, type Node } from 'prosemirror-model'
import { headingLevels, isSafeHref, isSafeImageSrc, schema } from '@ortak/schema'
import { fragmentToHtml, htmlToDocument } from './html.js'

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

interface SerializeOptions {
  tightLists: boolean
  /** The HTML of each table GFM cannot express, rendered before serializing (the HTML serializer is asynchronous). */
  htmlTables: ReadonlyMap<Node, string>
}

const hasTasks = (list: Node) => {
  let found = false
  list.forEach((item) => { found ||= item.attrs.checked !== null })
  return found
}

const serializer = new MarkdownSerializer({
  ...defaultMarkdownSerializer.nodes,
  // A list holding tasks is written with `-`, as GitHub writes task lists.
  bullet_list: (state, node) => state.renderList(node, '  ', () => (hasTasks(node) ? '- ' : '* ')),
  list_item: (state, node) => {
    // The space after the box only before text: an empty task ends its line with the box.
    if (node.attrs.checked !== null) state.write(`${node.attrs.checked ? '[x]' : '[ ]'}${node.firstChild!.content.size > 0 ? ' ' : ''}`)
    state.renderContent(node)
  },
  table: (state, node) => {
    const html = (state.options as unknown as SerializeOptions).htmlTables.get(node)
    const rows = html === undefined ? gfmRows(node) : null
    if (rows === null) {
      state.text(html!, false)
    } else {
      const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
      rows.forEach((cells, i) => {
        if (i > 0) state.ensureNewLine()
        state.write(line(cells))
        if (i === 0) {
          state.ensureNewLine()
          state.write(line(cells.map(() => '---')))
        }
      })
    }
    state.closeBlock(node)
  },
}, {
  ...defaultMarkdownSerializer.marks,
  strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
})

/**
 * The markdown of each cell of `table`, row by row, if GFM can express it: a header row and body rows
 * of one width, no merged cells, each cell one paragraph on one line. null if it cannot.
 */
function gfmRows(table: Node): string[][] | null {
  const rows: string[][] = []
  let width = -1
  let isExpressible = table.childCount > 0
  table.forEach((row, _, rowIndex) => {
    if (!isExpressible) return
    if (width === -1) width = row.childCount
    if (row.childCount !== width || width === 0) isExpressible = false
    const cells: string[] = []
    row.forEach((cell) => {
      const isHeader = cell.type === schema.nodes.table_header
      const isSimple = cell.attrs.colspan === 1 && cell.attrs.rowspan === 1 && cell.childCount === 1
        && cell.firstChild!.type === schema.nodes.paragraph && isHeader === (rowIndex === 0)
      const markdown = isSimple ? serializer.serialize(cell, cellOptions) : '\n'
      if (markdown.includes('\n')) isExpressible = false
      // A pipe ends a cell wherever it stands, in code too: each is escaped, and GFM takes the escape off.
      cells.push(markdown.replace(/\|/g, '\\|'))
    })
    rows.push(cells)
  })
  return isExpressible ? rows : null
}

const cellOptions = { tightLists: true, htmlTables: new Map() } as const

/** Every table in `doc` GFM cannot express, with its HTML. */
async function htmlTablesOf(doc: Node): Promise<Map<Node, string>> {
  const tables = new Map<Node, string>()
  const pending: Array<Promise<void>> = []
  doc.descendants((node) => {
    if (node.type !== schema.nodes.table) return true
    if (gfmRows(node) === null) pending.push(fragmentToHtml(Fragment.from(node)).then((html) => void tables.set(node, html)))
    // A table inside an HTML table is part of its HTML; one inside a GFM cell cannot be (the cell is not simple).
    return false
  })
  await Promise.all(pending)
  return tables
}

// Text that would read back as one of the `<table>` blocks above is escaped.
const escapeExtraCharacters = /<(?=table[\s>])/gi

/** Writes a document as CommonMark with GFM tables and task lists (`~~strikethrough~~` too); lists are tight. */
export async function documentToMarkdown(doc: Node): Promise<string> {
  const options: SerializeOptions & { escapeExtraCharacters: RegExp } = { tightLists: true, htmlTables: await htmlTablesOf(doc), escapeExtraCharacters }
  return serializer.serialize(doc, options)
}

/**
 * Writing an Ortak document as Markdown, shared by the server's export and
 * the editor's `getMarkdown()`, so that both give the same text. The
 * schema's node and mark names follow prosemirror-markdown's, so its
 * serializer rules are reused; added are strikethrough, GFM tables and task
 * lists. Reading Markdown stays on the server (it needs markdown-it).
 *
 * Widths (of images and table columns) have no markdown syntax and are not
 * written.
 */
import { MarkdownSerializer, defaultMarkdownSerializer } from 'prosemirror-markdown'
import { Fragment, type Node } from 'prosemirror-model'
import { fragmentToHtml } from './html.js'
import { schema } from './schema.js'

interface SerializeOptions {
  tightLists: boolean
  /** The HTML of a table GFM cannot express. */
  tableHtml: (table: Node) => string
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
    const rows = gfmRows(node)
    if (rows === null) {
      state.text((state.options as unknown as SerializeOptions).tableHtml(node), false)
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

// A cell GFM can express holds no table, so its HTML is never asked for.
const cellOptions: SerializeOptions = { tightLists: true, tableHtml: () => '' }

// Text that would read back as one of the `<table>` blocks above is escaped.
const escapeExtraCharacters = /<(?=table[\s>])/gi

/**
 * Writes a document as CommonMark with GFM tables and task lists (`~~strikethrough~~` too); lists are
 * tight. A table GFM cannot express (merged cells, a cell holding more than one paragraph, no header
 * row) is written as the HTML `document` renders of it, and read back as such by the server's import.
 */
export function documentToMarkdown(doc: Node, document: Document): string {
  const options: SerializeOptions & { escapeExtraCharacters: RegExp } = {
    tightLists: true, tableHtml: (table) => fragmentToHtml(Fragment.from(table), document), escapeExtraCharacters,
  }
  return serializer.serialize(doc, options)
}

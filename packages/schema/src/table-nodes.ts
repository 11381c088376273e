/**
 * The table nodes of the schema: prosemirror-tables' `table`, `table_row`,
 * `table_cell` and `table_header` (its editing commands and column
 * resizing look for these names, roles and attributes), written out as
 * the plain node specs its `tableNodes({ tableGroup: 'block', cellContent:
 * 'block+' })` makes, with cell attributes held to what its table layout
 * can use.
 *
 * Written out rather than asked of `tableNodes`, because importing
 * prosemirror-tables loads its editing plugins and with them
 * prosemirror-state, -transform and -keymap: the server's update guard
 * needs the schema at start-up and none of those (`npm run bench -- --only
 * restart` measures the start). test/table-nodes.test.ts holds these specs
 * to what `tableNodes` makes, so an upgrade of prosemirror-tables that
 * changes them fails there.
 */
import type { DOMOutputSpec, Node, NodeSpec } from 'prosemirror-model'

// A span is what prosemirror-tables lays a table's grid out by: a cell spanning millions of columns would hang every
// editor that opens the document, so spans stop at a size no real table reaches.
const maxTableSpan = 1000

const tableSpan = (name: string) => (value: unknown): void => {
  if (!(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= maxTableSpan)) {
    throw new RangeError(`${name} must be a whole number from 1 to ${maxTableSpan}, got ${JSON.stringify(value)?.slice(0, 40)}`)
  }
}

const columnWidths = (value: unknown): void => {
  if (value === null) return
  if (!Array.isArray(value) || value.length > maxTableSpan || !value.every((width) => Number.isFinite(width) && width > 0)) {
    throw new RangeError(`colwidth must be null or a list of widths in pixels above 0, got ${JSON.stringify(value)?.slice(0, 40)}`)
  }
}

/** A cell's attributes as prosemirror-tables reads them from a <td> or <th> (`data-colwidth` holds the widths). */
function cellAttrsOf(dom: HTMLElement): { colspan: number; rowspan: number; colwidth: number[] | null } {
  const widthAttr = dom.getAttribute('data-colwidth')
  const widths = widthAttr && /^\d+(,\d+)*$/.test(widthAttr) ? widthAttr.split(',').map((s) => Number(s)) : null
  const colspan = Number(dom.getAttribute('colspan') || 1)
  return { colspan, rowspan: Number(dom.getAttribute('rowspan') || 1), colwidth: widths && widths.length === colspan ? widths : null }
}

/** The DOM attributes of a cell, as prosemirror-tables writes them: only those that differ from the defaults. */
function domAttrsOf(cell: Node): Record<string, string | number> {
  const attrs: Record<string, string | number> = {}
  if (cell.attrs.colspan !== 1) attrs.colspan = cell.attrs.colspan as number
  if (cell.attrs.rowspan !== 1) attrs.rowspan = cell.attrs.rowspan as number
  if (cell.attrs.colwidth) attrs['data-colwidth'] = (cell.attrs.colwidth as number[]).join(',')
  return attrs
}

/** A cell spec: `td` for a `table_cell`, `th` for a `table_header`. */
const cellSpec = (tag: 'td' | 'th', tableRole: 'cell' | 'header_cell'): NodeSpec => ({
  content: 'block+',
  attrs: {
    colspan: { default: 1, validate: tableSpan('colspan') },
    rowspan: { default: 1, validate: tableSpan('rowspan') },
    colwidth: { default: null, validate: columnWidths },
  },
  tableRole,
  isolating: true,
  parseDOM: [{ tag, getAttrs: (dom) => cellAttrsOf(dom as HTMLElement) }],
  toDOM: (node): DOMOutputSpec => [tag, domAttrsOf(node), 0],
})

export const tableNodes: Record<'table' | 'table_row' | 'table_cell' | 'table_header', NodeSpec> = {
  table: {
    content: 'table_row+',
    tableRole: 'table',
    isolating: true,
    group: 'block',
    parseDOM: [{ tag: 'table' }],
    toDOM: (): DOMOutputSpec => ['table', ['tbody', 0]],
  },
  table_row: {
    content: '(table_cell | table_header)*',
    tableRole: 'row',
    parseDOM: [{ tag: 'tr' }],
    toDOM: (): DOMOutputSpec => ['tr', 0],
  },
  table_cell: cellSpec('td', 'cell'),
  table_header: cellSpec('th', 'header_cell'),
}

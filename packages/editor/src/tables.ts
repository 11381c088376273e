/**
 * Tables, through prosemirror-tables: its editing plugin (cell selections,
 * normalising tables that concurrent edits left ragged), column resizing,
 * Tab and Shift-Tab between cells, and the commands of the table menu,
 * which opens from the toolbar's Table button or with Mod-Alt-t.
 */
import { schema } from '@ortak/schema'
import { keymap } from 'prosemirror-keymap'
import type { Node } from 'prosemirror-model'
import { Plugin, TextSelection, type Command, type EditorState, type Transaction } from 'prosemirror-state'
import {
  addColumnAfter, addColumnBefore, addRowAfter, addRowBefore, CellSelection, columnResizing, deleteColumn, deleteRow,
  deleteTable, goToNextCell, isInTable, mergeCells, splitCell, tableEditing, TableMap, toggleHeader,
} from 'prosemirror-tables'
import type { EditorView } from 'prosemirror-view'
import { ySyncPluginKey } from 'y-prosemirror'
import type { Messages } from './messages.js'

const { nodes } = schema

/** Every string the table features show, in one place (to move into the messages table). */
export const tableShortcut = 'Mod-Alt-t'

/** A table of `rows` by `columns` empty cells, the first row header cells when `hasHeaderRow`. */
export function createTable(rows: number, columns: number, hasHeaderRow: boolean): Node {
  const row = (cellType: typeof nodes.table_cell) =>
    nodes.table_row!.create(null, Array.from({ length: columns }, () => cellType!.createAndFill()!))
  return nodes.table!.create(null, Array.from({ length: rows }, (_, index) => row(index === 0 && hasHeaderRow ? nodes.table_header : nodes.table_cell)))
}

/** Inserts a `rows` x `columns` table with a header row at the selection, the caret in its first cell. */
export function insertTable(rows = 3, columns = 3): Command {
  return (state, dispatch) => {
    if (state.selection.$from.parent.type.spec.code) return false
    if (dispatch) {
      const tr = state.tr.replaceSelectionWith(createTable(rows, columns, true))
      // replaceSelectionWith leaves the selection after the table: the new table is the first from where it was.
      const start = tr.mapping.map(state.selection.from, -1)
      let tablePos = -1
      tr.doc.nodesBetween(start, tr.doc.content.size, (node, pos) => {
        if (tablePos >= 0) return false
        // Inside a cell the search starts in the outer table, which is not the new one.
        if (node.type === nodes.table && pos >= start) tablePos = pos
        return true
      })
      if (tablePos >= 0) {
        // A table last in its parent leaves nowhere to type after it: a paragraph follows it there.
        const after = tablePos + tr.doc.nodeAt(tablePos)!.nodeSize
        if (!tr.doc.resolve(after).nodeAfter) tr.insert(after, nodes.paragraph!.create())
        tr.setSelection(TextSelection.near(tr.doc.resolve(tablePos + 3)))
      }
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

/** Tab: the next cell; in the last cell, a new row first (as word processors do). */
const nextCellOrNewRow: Command = (state, dispatch) => {
  if (goToNextCell(1)(state, dispatch)) return true
  if (!isInTable(state)) return false
  if (!dispatch) return true
  let added: Transaction | undefined
  addRowAfter(state, (tr) => { added = tr })
  if (!added) return false
  const withRow = added
  goToNextCell(1)(state.apply(withRow), (moved) => {
    withRow.setSelection(TextSelection.create(withRow.doc, moved.selection.from, moved.selection.to))
  })
  dispatch(withRow.scrollIntoView())
  return true
}

/** Where a cell selection is, in terms that survive a redraw: which table of the document, and which cells in it. */
interface CellSelectionPlace {
  tableIndex: number
  anchor: { row: number; column: number }
  head: { row: number; column: number }
}

/** The tables of `doc`, in document order, with the positions where their content starts. */
function tablesOf(doc: Node): Array<{ node: Node; start: number }> {
  const tables: Array<{ node: Node; start: number }> = []
  doc.descendants((node, pos) => {
    if (node.type === nodes.table) tables.push({ node, start: pos + 1 })
    return true
  })
  return tables
}

function placeOf(doc: Node, selection: CellSelection): CellSelectionPlace | null {
  const tableStart = selection.$anchorCell.start(-1)
  const table = selection.$anchorCell.node(-1)
  const map = TableMap.get(table)
  const cellAt = (pos: number) => {
    const { left, top } = map.findCell(pos - tableStart)
    return { row: top, column: left }
  }
  const tableIndex = tablesOf(doc).findIndex((candidate) => candidate.start === tableStart)
  return tableIndex < 0 ? null : { tableIndex, anchor: cellAt(selection.$anchorCell.pos), head: cellAt(selection.$headCell.pos) }
}

function cellSelectionAt(doc: Node, place: CellSelectionPlace): CellSelection | null {
  const table = tablesOf(doc)[place.tableIndex]
  if (!table) return null
  const map = TableMap.get(table.node)
  const fits = ({ row, column }: { row: number; column: number }) => row < map.height && column < map.width
  if (!fits(place.anchor) || !fits(place.head)) return null
  const at = ({ row, column }: { row: number; column: number }) => doc.resolve(table.start + map.positionAt(row, column, table.node))
  return new CellSelection(at(place.anchor), at(place.head))
}

/**
 * y-prosemirror redraws the document for every change from someone else and puts the selection back as a text
 * selection from where its ends were, which it does not find again for ends between cells: a cell selection being
 * made for a merge would fall apart whenever a collaborator types. It is put back on the same cells of the same
 * table. Before tableEditing, which would make the text selection a caret first.
 */
const keepCellSelectionAcrossRemoteChanges = new Plugin({
  appendTransaction(transactions, oldState, newState) {
    if (!(oldState.selection instanceof CellSelection) || newState.selection instanceof CellSelection) return null
    if (!transactions.some((tr) => (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin)) return null
    const place = placeOf(oldState.doc, oldState.selection)
    const restored = place && cellSelectionAt(newState.doc, place)
    return restored ? newState.tr.setSelection(restored) : null
  },
})

type TableCommandName = 'insertTable' | 'addRowBefore' | 'addRowAfter' | 'addColumnBefore' | 'addColumnAfter' | 'deleteRow'
  | 'deleteColumn' | 'mergeCells' | 'splitCell' | 'toggleHeaderRow' | 'deleteTable'

/** The table menu's entries, in order: a name (the button's `data-table-command`), its label, and its command. */
export const tableCommands: ReadonlyArray<{ name: TableCommandName; run: Command }> = [
  { name: 'insertTable', run: insertTable() },
  { name: 'addRowBefore', run: addRowBefore },
  { name: 'addRowAfter', run: addRowAfter },
  { name: 'addColumnBefore', run: addColumnBefore },
  { name: 'addColumnAfter', run: addColumnAfter },
  { name: 'deleteRow', run: deleteRow },
  { name: 'deleteColumn', run: deleteColumn },
  { name: 'mergeCells', run: mergeCells },
  { name: 'splitCell', run: splitCell },
  // The first row, wherever the selection is (toggleHeaderRow would make the selected row one of headers).
  { name: 'toggleHeaderRow', run: toggleHeader('row') },
  { name: 'deleteTable', run: deleteTable },
]

/**
 * The table menu: a row of buttons shown beside the toolbar (as the link form is), each disabled where its
 * command cannot apply. Arrow keys move between them, Escape closes it and returns to the text.
 */
class TableMenuView {
  readonly element: HTMLElement
  private readonly buttons: HTMLButtonElement[] = []

  constructor(private readonly view: EditorView, anchor: HTMLElement, messages: Messages) {
    const document = anchor.ownerDocument
    this.element = document.createElement('div')
    this.element.className = 'ortak-table-menu'
    this.element.setAttribute('role', 'menu')
    this.element.setAttribute('aria-label', messages.tableActions)
    this.element.hidden = true
    for (const { name } of tableCommands) {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'ortak-text-button'
      button.setAttribute('role', 'menuitem')
      button.dataset.tableCommand = name
      button.textContent = messages[name]
      button.tabIndex = -1
      this.buttons.push(button)
      this.element.append(button)
    }
    anchor.after(this.element)
    this.element.addEventListener('mousedown', this.keepEditorFocus)
    this.element.addEventListener('click', this.onClick)
    this.element.addEventListener('keydown', this.onKeydown)
    this.update()
  }

  get isOpen(): boolean {
    return !this.element.hidden
  }

  open(shouldFocus: boolean): void {
    this.element.hidden = false
    this.update()
    if (shouldFocus) this.buttons.find((button) => !button.disabled)?.focus()
  }

  close(): void {
    this.element.hidden = true
  }

  update(): void {
    if (!this.isOpen) return
    const state = this.view.state
    tableCommands.forEach(({ run }, index) => { this.buttons[index]!.disabled = !this.view.editable || !run(state) })
  }

  private readonly keepEditorFocus = (event: MouseEvent) => event.preventDefault()

  private readonly onClick = (event: MouseEvent) => {
    const index = this.buttons.indexOf((event.target as Element).closest('button') as HTMLButtonElement)
    if (index < 0) return
    tableCommands[index]!.run(this.view.state, this.view.dispatch, this.view)
    this.view.focus()
  }

  private readonly onKeydown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      this.close()
      this.view.focus()
      return
    }
    const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0
    if (step === 0) return
    event.preventDefault()
    const enabled = this.buttons.filter((button) => !button.disabled)
    const index = enabled.indexOf(event.target as HTMLButtonElement)
    enabled[(index + step + enabled.length) % enabled.length]?.focus()
  }

  destroy(): void {
    this.element.removeEventListener('mousedown', this.keepEditorFocus)
    this.element.removeEventListener('click', this.onClick)
    this.element.removeEventListener('keydown', this.onKeydown)
    this.element.remove()
  }
}

/**
 * The table plugins, with the menu shown after `menuAnchor`, and `toggleMenu`, the command of the toolbar's
 * Table button (and of Mod-Alt-t, which also puts the focus in the menu).
 */
export function tablePlugins(menuAnchor: HTMLElement, messages: Messages): { plugins: Plugin[]; toggleMenu: Command } {
  let menu: TableMenuView | null = null
  const toggle = (shouldFocus: boolean): Command => (state: EditorState, dispatch) => {
    if (!menu) return false
    if (dispatch) {
      if (menu.isOpen && !shouldFocus) menu.close()
      else menu.open(shouldFocus)
    }
    return true
  }
  const menuPlugin = new Plugin({
    view: (view) => {
      menu = new TableMenuView(view, menuAnchor, messages)
      return {
        update: () => menu?.update(),
        destroy: () => {
          menu?.destroy()
          menu = null
        },
      }
    },
  })
  return {
    // Column resizing before table editing, as prosemirror-tables asks: both handle mouse events on cells.
    plugins: [
      keepCellSelectionAcrossRemoteChanges,
      columnResizing(),
      tableEditing(),
      keymap({ Tab: nextCellOrNewRow, 'Shift-Tab': goToNextCell(-1), [tableShortcut]: toggle(true) }),
      menuPlugin,
    ],
    toggleMenu: toggle(false),
  }
}

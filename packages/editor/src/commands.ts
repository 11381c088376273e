/**
 * The editing commands behind the toolbar and the keymap, each one a
 * ProseMirror `Command`, plus the queries the toolbar uses to show which
 * of them are active at the selection.
 */
import { schema } from '@ortak/schema'
import { lift, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands'
import type { MarkType, NodeType, ResolvedPos } from 'prosemirror-model'
import { liftListItem, wrapInList } from 'prosemirror-schema-list'
import type { Command, EditorState } from 'prosemirror-state'

const { nodes, marks } = schema

export const toggleStrong = toggleMark(marks.strong!)
export const toggleEm = toggleMark(marks.em!)
export const toggleStrike = toggleMark(marks.strike!)
export const toggleCode = toggleMark(marks.code!)

/** Whether `type` applies at the cursor (stored marks count) or anywhere in the selection. */
export function isMarkActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return !!type.isInSet(state.storedMarks ?? $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

/** The nearest ancestor of the selection start of one of `types`, with its depth. */
function ancestorOf($pos: ResolvedPos, types: NodeType[]): { type: NodeType; depth: number } | null {
  for (let depth = $pos.depth; depth > 0; depth--) {
    const type = $pos.node(depth).type
    if (types.includes(type)) return { type, depth }
  }
  return null
}

/** Whether the selection starts in a textblock of `type` (with `attrs`, if given). */
export function isTextblockActive(state: EditorState, type: NodeType, attrs?: Record<string, unknown>): boolean {
  const parent = state.selection.$from.parent
  if (parent.type !== type) return false
  return !attrs || Object.entries(attrs).every(([key, value]) => parent.attrs[key] === value)
}

/** Whether the selection is inside a list of `type` (its nearest list, not an outer one). */
export function isListActive(state: EditorState, type: NodeType): boolean {
  return ancestorOf(state.selection.$from, [nodes.bullet_list!, nodes.ordered_list!])?.type === type
}

export function isBlockquoteActive(state: EditorState): boolean {
  return ancestorOf(state.selection.$from, [nodes.blockquote!]) !== null
}

/** Turns the textblock into a heading of `level`, or back into a paragraph if it already is one. */
export function toggleHeading(level: number): Command {
  return (state, dispatch) => isTextblockActive(state, nodes.heading!, { level })
    ? setBlockType(nodes.paragraph!)(state, dispatch)
    : setBlockType(nodes.heading!, { level })(state, dispatch)
}

export const toggleCodeBlock: Command = (state, dispatch) => isTextblockActive(state, nodes.code_block!)
  ? setBlockType(nodes.paragraph!)(state, dispatch)
  : setBlockType(nodes.code_block!)(state, dispatch)

/** Wraps the selection in a list of `type`; in such a list, lifts it out; in the other kind, converts that list. */
export function toggleList(type: NodeType): Command {
  return (state, dispatch) => {
    const list = ancestorOf(state.selection.$from, [nodes.bullet_list!, nodes.ordered_list!])
    if (!list) return wrapInList(type)(state, dispatch)
    if (list.type === type) return liftListItem(nodes.list_item!)(state, dispatch)
    if (dispatch) dispatch(state.tr.setNodeMarkup(state.selection.$from.before(list.depth), type))
    return true
  }
}

export const toggleBlockquote: Command = (state, dispatch) =>
  isBlockquoteActive(state) ? lift(state, dispatch) : wrapIn(nodes.blockquote!)(state, dispatch)

export const insertHorizontalRule: Command = (state, dispatch) => {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.horizontal_rule!.create()).scrollIntoView())
  return true
}

export const insertHardBreak: Command = (state, dispatch) => {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.hard_break!.create()).scrollIntoView())
  return true
}

/** The range of the link around an empty selection, or the selection itself. */
function linkRange(state: EditorState): { from: number; to: number } {
  const { from, to, empty, $from } = state.selection
  const link = marks.link!.isInSet($from.marks())
  if (!empty || !link) return { from, to }
  // The link is the run of adjacent children carrying the same link mark that touches the cursor.
  const start = $from.start()
  const runs: Array<{ from: number; to: number }> = []
  let run: { from: number; to: number } | null = null
  $from.parent.forEach((child, offset) => {
    if (!link.isInSet(child.marks)) {
      run = null
      return
    }
    const childFrom = start + offset
    if (run) run.to = childFrom + child.nodeSize
    else runs.push(run = { from: childFrom, to: childFrom + child.nodeSize })
  })
  return runs.find((r) => r.from <= from && from <= r.to) ?? { from, to }
}

/** The href of the link at the selection, if there is one. */
export function activeLinkHref(state: EditorState): string | null {
  const { $from, from, to, empty } = state.selection
  if (empty) return (marks.link!.isInSet($from.marks())?.attrs.href as string | undefined) ?? null
  let href: string | null = null
  state.doc.nodesBetween(from, to, (node) => {
    href ??= (marks.link!.isInSet(node.marks)?.attrs.href as string | undefined) ?? null
  })
  return href
}

/** Links the selection to `href`; with nothing selected, inserts `href` as linked text. */
export function setLink(href: string): Command {
  return (state, dispatch) => {
    const link = marks.link!.create({ href })
    if (state.selection.empty && !marks.link!.isInSet(state.selection.$from.marks())) {
      if (dispatch) dispatch(state.tr.replaceSelectionWith(schema.text(href, [link]), false).scrollIntoView())
      return true
    }
    const { from, to } = linkRange(state)
    if (dispatch) dispatch(state.tr.removeMark(from, to, marks.link!).addMark(from, to, link).scrollIntoView())
    return true
  }
}

export const removeLink: Command = (state, dispatch) => {
  if (!activeLinkHref(state)) return false
  const { from, to } = linkRange(state)
  if (dispatch) dispatch(state.tr.removeMark(from, to, marks.link!))
  return true
}

/**
 * Task items: list items whose `checked` is true or false (null is an
 * ordinary item). Each shows a checkbox drawn by a node view outside the
 * editable content, so nothing of it lands in the document or in what
 * others receive; ticking it changes the item's attribute, which Yjs
 * carries to everyone. `[ ] ` or `[x] ` typed at the start of a list item
 * makes it a task, Mod-Enter ticks the task at the caret.
 */
import { schema } from '@ortak/schema'
import { InputRule, inputRules } from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import type { Node } from 'prosemirror-model'
import { splitListItem, wrapInList } from 'prosemirror-schema-list'
import { Plugin, type Command, type EditorState, type Transaction } from 'prosemirror-state'
import type { EditorView, NodeView, ViewMutationRecord } from 'prosemirror-view'
import type { Messages } from './messages.js'

const { nodes } = schema

/** Every string the task items show, in one place (to move into the messages table). */
export const taskShortcuts = { toggleTaskList: 'Mod-Shift-x', toggleChecked: 'Mod-Enter' } as const

/** The task item holding the selection's start (the innermost, in nested lists), with its position. */
function taskAt(state: EditorState): { node: Node; pos: number } | null {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    const node = $from.node(depth)
    if (node.type === nodes.list_item && node.attrs.checked !== null) return { node, pos: $from.before(depth) }
  }
  return null
}

/** Ticks or unticks the task item at the caret. */
export const toggleTaskChecked: Command = (state, dispatch) => {
  const task = taskAt(state)
  if (!task) return false
  dispatch?.(state.tr.setNodeAttribute(task.pos, 'checked', !task.node.attrs.checked))
  return true
}

/** Sets `checked` on every list item in from..to of `tr`'s document that does not have it already as wanted. */
function setItemsChecked(tr: Transaction, from: number, to: number, checked: boolean | null): Transaction {
  tr.doc.nodesBetween(from, to, (node, pos) => {
    if (node.type !== nodes.list_item) return true
    if ((node.attrs.checked === null) !== (checked === null)) tr.setNodeAttribute(pos, 'checked', checked)
    return true
  })
  return tr
}

/**
 * Makes the list items of the selection tasks (wrapping paragraphs in a bulleted list first), or, if the caret is
 * in a task, makes them ordinary items again.
 */
export const toggleTaskList: Command = (state, dispatch) => {
  const { from, to, $from } = state.selection
  if ($from.parent.type.spec.code) return false
  const isInList = (() => {
    for (let depth = $from.depth; depth > 0; depth--) if ($from.node(depth).type === nodes.list_item) return true
    return false
  })()
  if (isInList) {
    dispatch?.(setItemsChecked(state.tr, from, to, taskAt(state) ? null : false))
    return true
  }
  let wrapped: Transaction | undefined
  if (!wrapInList(nodes.bullet_list!)(state, (tr) => { wrapped = tr })) return false
  if (dispatch && wrapped) dispatch(setItemsChecked(wrapped, wrapped.mapping.map(from), wrapped.mapping.map(to), false))
  return true
}

/** Enter in a task item starts another task, not done yet. */
const splitTaskItem: Command = (state, dispatch) => taskAt(state) !== null && splitListItem(nodes.list_item!, { checked: false })(state, dispatch)

/** `[ ] ` or `[x] ` at the start of an ordinary list item's first paragraph. */
const taskInputRule = new InputRule(/^\[([ xX]?)\]\s$/, (state, match, start, end) => {
  const $start = state.doc.resolve(start)
  if ($start.depth < 2 || $start.parent.type !== nodes.paragraph || $start.index(-1) !== 0) return null
  const item = $start.node(-1)
  if (item.type !== nodes.list_item || item.attrs.checked !== null) return null
  return state.tr.delete(start, end).setNodeAttribute($start.before(-1), 'checked', /x/i.test(match[1]!))
})

/** A list item; a task item gets a checkbox before its content, in an element ProseMirror does not read. */
class ListItemView implements NodeView {
  readonly dom: HTMLLIElement
  readonly contentDOM: HTMLElement
  private readonly checkbox: HTMLInputElement | null = null

  constructor(private node: Node, private readonly view: EditorView, private readonly getPos: () => number | undefined, private readonly messages: Messages) {
    const document = view.dom.ownerDocument
    this.dom = document.createElement('li')
    if (node.attrs.checked === null) {
      this.contentDOM = this.dom
      return
    }
    this.dom.className = 'ortak-task'
    const box = document.createElement('span')
    box.className = 'ortak-task-box'
    box.contentEditable = 'false'
    this.checkbox = document.createElement('input')
    this.checkbox.type = 'checkbox'
    // Ticked from the keyboard with Mod-Enter in the item's text, so the caret never has to leave it.
    this.checkbox.tabIndex = -1
    this.checkbox.addEventListener('mousedown', (event) => event.preventDefault())
    this.checkbox.addEventListener('click', this.onClick)
    box.append(this.checkbox)
    this.contentDOM = document.createElement('div')
    this.contentDOM.className = 'ortak-task-text'
    this.dom.append(box, this.contentDOM)
    this.render()
  }

  private render(): void {
    const checked = this.node.attrs.checked === true
    this.dom.dataset.checked = String(checked)
    if (!this.checkbox) return
    this.checkbox.checked = checked
    this.checkbox.setAttribute('aria-label', checked ? this.messages.markNotDone : this.messages.markDone)
    this.checkbox.disabled = !this.view.editable
  }

  // The box ticks itself as it is clicked, and the change of the attribute draws it the same way. Not prevented:
  // a prevented click puts the box back as it was after this handler, undoing what the dispatch drew.
  private readonly onClick = (event: MouseEvent) => {
    const pos = this.getPos()
    if (pos === undefined || !this.view.editable) {
      event.preventDefault()
      return
    }
    this.view.dispatch(this.view.state.tr.setNodeAttribute(pos, 'checked', !this.node.attrs.checked))
  }

  update(node: Node): boolean {
    if (node.type !== this.node.type || (node.attrs.checked === null) !== (this.node.attrs.checked === null)) return false
    this.node = node
    if (node.attrs.checked !== null) this.render()
    return true
  }

  stopEvent(event: Event): boolean {
    return this.checkbox !== null && event.target === this.checkbox
  }

  ignoreMutation(mutation: ViewMutationRecord): boolean {
    return this.checkbox !== null && !this.contentDOM.contains(mutation.target)
  }

  destroy(): void {
    this.checkbox?.removeEventListener('click', this.onClick)
  }
}

/** The task item plugins: the checkbox node view, `[ ] ` and `[x] `, and the shortcuts. */
export function taskItemPlugins(messages: Messages): Plugin[] {
  return [
    new Plugin({ props: { nodeViews: { list_item: (node, view, getPos) => new ListItemView(node, view, getPos, messages) } } }),
    inputRules({ rules: [taskInputRule] }),
    keymap({ Enter: splitTaskItem, [taskShortcuts.toggleChecked]: toggleTaskChecked, [taskShortcuts.toggleTaskList]: toggleTaskList }),
  ]
}

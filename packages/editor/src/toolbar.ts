/**
 * The toolbar: a ProseMirror plugin whose view renders one button per
 * command and, after every state change, marks the active ones
 * (`aria-pressed`) and disables those that cannot apply. Buttons never take
 * the focus from the text, so the selection they act on stays visible.
 * It also holds the small form that edits a link.
 */
import { isSafeHref, schema } from '@ortak/schema'
import { Plugin, type Command, type EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { redoCommand, undoCommand } from 'y-prosemirror'
import {
  activeLinkHref, insertHorizontalRule, isBlockquoteActive, isListActive, isMarkActive, isTextblockActive, removeLink,
  setLink, toggleBlockquote, toggleCode, toggleCodeBlock, toggleEm, toggleHeading, toggleList, toggleStrike, toggleStrong,
} from './commands.js'
import { icons } from './icons.js'
import { shortcuts } from './keymap.js'
import { fill, type Messages } from './messages.js'
import { ToolbarOverflow } from './toolbar-overflow.js'

const { nodes, marks } = schema

/** The toolbar's buttons in their order; `toolbar: [...]` picks some of them by these names. */
export const toolbarButtonNames = [
  'strong', 'em', 'strike', 'code', 'link', 'heading1', 'heading2', 'heading3',
  'bullet_list', 'ordered_list', 'blockquote', 'code_block', 'horizontal_rule',
  // The blocks beyond text (rich-content.ts).
  'table', 'image', 'image_description', 'task_list',
  'undo', 'redo', 'history',
] as const
export type ToolbarButtonName = (typeof toolbarButtonNames)[number]

/** Which buttons to show: all of them, none (`false`), or the ones named. */
export type ToolbarChoice = boolean | readonly ToolbarButtonName[]

/** Checks the page's `toolbar` option; throws a RangeError naming what is wrong. */
export function checkToolbarChoice(choice: unknown): ToolbarChoice {
  if (choice === undefined) return true
  if (typeof choice === 'boolean') return choice
  if (!Array.isArray(choice)) throw new RangeError(`toolbar must be true, false or a list of button names, got ${JSON.stringify(choice)}`)
  for (const name of choice) {
    if (!(toolbarButtonNames as readonly unknown[]).includes(name)) {
      throw new RangeError(`toolbar has no button ${JSON.stringify(name)}; the buttons are ${toolbarButtonNames.join(', ')}`)
    }
  }
  return choice as ToolbarButtonName[]
}

export interface ToolbarItem {
  /** Also the button's `data-command`, for styling and tests. */
  name: ToolbarButtonName
  label: string
  content: string
  shortcut?: string
  run: Command
  isActive?: (state: EditorState) => boolean
  /** Opens something beside the text rather than changing it: enabled while reading, and keeps the focus it moves. */
  isBesideTheText?: true
}

const isMac = typeof navigator !== 'undefined' && /Mac|iP(hone|ad|od)/.test(navigator.platform)

function shortcutText(shortcut: string): string {
  return shortcut
    .replace('Mod', isMac ? '⌘' : 'Ctrl')
    .replace('Alt', isMac ? '⌥' : 'Alt')
    .replace('Shift', isMac ? '⇧' : 'Shift')
    .replace(/-(?=.)/g, isMac ? '' : '+')
    .replace(/\+?([a-z])$/, (_, key: string) => (isMac ? '' : '+') + key.toUpperCase())
}

const heading = (level: 1 | 2 | 3, messages: Messages): ToolbarItem => ({
  name: `heading${level}`, label: fill(messages.heading, { level }), content: icons[`heading${level}`],
  shortcut: shortcuts[`heading${level}`],
  run: toggleHeading(level),
  isActive: (state) => isTextblockActive(state, nodes.heading!, { level }),
})

function toolbarGroups(openLinkEditor: Command, m: Messages, extraGroups: readonly ToolbarItem[][], openHistory: (() => void) | undefined): ToolbarItem[][] {
  return [
    [
      { name: 'strong', label: m.bold, content: '<b>B</b>', shortcut: shortcuts.strong, run: toggleStrong, isActive: (s) => isMarkActive(s, marks.strong!) },
      { name: 'em', label: m.italic, content: '<i>I</i>', shortcut: shortcuts.em, run: toggleEm, isActive: (s) => isMarkActive(s, marks.em!) },
      { name: 'strike', label: m.strikethrough, content: '<s>S</s>', shortcut: shortcuts.strike, run: toggleStrike, isActive: (s) => isMarkActive(s, marks.strike!) },
      { name: 'code', label: m.inlineCode, content: icons.code, shortcut: shortcuts.code, run: toggleCode, isActive: (s) => isMarkActive(s, marks.code!) },
      { name: 'link', label: m.link, content: icons.link, shortcut: shortcuts.link, run: openLinkEditor, isActive: (s) => activeLinkHref(s) !== null },
    ],
    [heading(1, m), heading(2, m), heading(3, m)],
    [
      { name: 'bullet_list', label: m.bulletList, content: icons.bulletList, shortcut: shortcuts.bulletList, run: toggleList(nodes.bullet_list!), isActive: (s) => isListActive(s, nodes.bullet_list!) },
      { name: 'ordered_list', label: m.orderedList, content: icons.orderedList, shortcut: shortcuts.orderedList, run: toggleList(nodes.ordered_list!), isActive: (s) => isListActive(s, nodes.ordered_list!) },
      { name: 'blockquote', label: m.blockquote, content: icons.blockquote, shortcut: shortcuts.blockquote, run: toggleBlockquote, isActive: isBlockquoteActive },
      { name: 'code_block', label: m.codeBlock, content: icons.codeBlock, shortcut: shortcuts.codeBlock, run: toggleCodeBlock, isActive: (s) => isTextblockActive(s, nodes.code_block!) },
      { name: 'horizontal_rule', label: m.divider, content: icons.horizontalRule, run: insertHorizontalRule },
    ],
    ...extraGroups,
    [
      { name: 'undo', label: m.undo, content: icons.undo, shortcut: shortcuts.undo, run: undoCommand },
      { name: 'redo', label: m.redo, content: icons.redo, shortcut: shortcuts.redo, run: redoCommand },
    ],
    openHistory === undefined ? [] : [
      { name: 'history', label: m.history, content: icons.history, isBesideTheText: true, run: (_state, dispatch) => {
        if (dispatch) openHistory()
        return true
      } },
    ],
  ]
}

/** Adds `https://` to what looks like a bare domain ("example.com/page"). */
function normalizeHref(text: string): string {
  const trimmed = text.trim()
  if (/^[\w-]+(\.[\w-]+)+(\/|$)/.test(trimmed)) return `https://${trimmed}`
  return trimmed
}

/** What the toolbar shows, in which words. */
export interface ToolbarSettings {
  buttons: ToolbarChoice
  messages: Messages
  /** Groups of buttons after the block buttons (tables, pictures, tasks). */
  extraGroups?: readonly ToolbarItem[][]
  /** Opens (or closes) the history panel; without it there is no History button. */
  openHistory?: () => void
}

class ToolbarView {
  private readonly buttons: Array<{ item: ToolbarItem; button: HTMLButtonElement }> = []
  private readonly linkForm: HTMLFormElement
  private readonly linkInput: HTMLInputElement

  private readonly container: HTMLElement
  private readonly overflow: ToolbarOverflow

  constructor(
    private readonly view: EditorView,
    frame: HTMLElement,
    private readonly linkEditorHost: { open: Command },
    private readonly settings: ToolbarSettings,
  ) {
    const document = frame.ownerDocument
    const container = this.container = document.createElement('div')
    container.className = 'ortak-toolbar'
    frame.append(container)
    const { buttons: chosen, messages } = settings
    const isShown = (item: ToolbarItem) => chosen === true || (chosen !== false && chosen.includes(item.name))
    container.setAttribute('role', 'toolbar')
    container.setAttribute('aria-label', messages.toolbar)
    for (const group of toolbarGroups(linkEditorHost.open, messages, settings.extraGroups ?? [], settings.openHistory)) {
      const items = group.filter(isShown)
      if (items.length === 0) continue
      const groupElement = document.createElement('div')
      groupElement.className = 'ortak-toolbar-group'
      for (const item of items) {
        const button = document.createElement('button')
        button.type = 'button'
        button.className = 'ortak-button'
        button.dataset.command = item.name
        button.innerHTML = item.content
        button.setAttribute('aria-label', item.label)
        button.title = item.shortcut ? `${item.label} (${shortcutText(item.shortcut)})` : item.label
        button.tabIndex = this.buttons.length === 0 ? 0 : -1
        groupElement.append(button)
        this.buttons.push({ item, button })
      }
      container.append(groupElement)
    }
    // No buttons: nothing to show, but Mod-k still opens the link form.
    frame.hidden = this.buttons.length === 0
    this.overflow = new ToolbarOverflow(frame, container, messages)
    this.linkForm = document.createElement('form')
    this.linkForm.className = 'ortak-link-form'
    this.linkForm.hidden = true
    const input = document.createElement('input')
    Object.assign(input, { type: 'text', inputMode: 'url', placeholder: messages.linkPlaceholder })
    input.setAttribute('aria-label', messages.linkAddress)
    const apply = Object.assign(document.createElement('button'), { type: 'submit', className: 'ortak-text-button', textContent: messages.linkApply })
    const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'ortak-text-button', textContent: messages.linkRemove })
    remove.dataset.action = 'remove'
    this.linkForm.append(input, apply, remove)
    this.linkInput = input
    // Beside the toolbar, not in it: on a phone the toolbar scrolls sideways and the form needs the full width.
    frame.after(this.linkForm)
    container.addEventListener('mousedown', this.keepEditorFocus)
    container.addEventListener('click', this.onClick)
    container.addEventListener('keydown', this.onKeydown)
    this.linkForm.addEventListener('submit', this.onLinkSubmit)
    this.linkForm.addEventListener('click', this.onClick)
    this.linkForm.addEventListener('keydown', this.onKeydown)
    this.update()
  }

  update(): void {
    const state = this.view.state
    for (const { item, button } of this.buttons) {
      if (item.isActive) button.setAttribute('aria-pressed', String(item.isActive(state)))
      button.disabled = (!this.view.editable && !item.isBesideTheText) || !item.run(state)
    }
    // A disabled button cannot take the focus: the toolbar's one tab stop moves to one that can.
    const stop = this.buttons.find(({ button }) => button.tabIndex === 0)
    if (stop?.button.disabled) {
      const enabled = this.buttons.find(({ button }) => !button.disabled)
      if (enabled) this.moveFocusTo(enabled.button, false)
    }
  }

  openLinkEditor(): void {
    this.linkForm.hidden = false
    this.linkInput.value = activeLinkHref(this.view.state) ?? ''
    this.linkInput.removeAttribute('aria-invalid')
    ;(this.linkForm.querySelector('[data-action=remove]') as HTMLButtonElement).hidden = !activeLinkHref(this.view.state)
    this.linkInput.focus()
    this.linkInput.select()
  }

  private closeLinkEditor(): void {
    this.linkForm.hidden = true
    this.view.focus()
  }

  private readonly keepEditorFocus = (event: MouseEvent) => {
    if ((event.target as Element).closest('.ortak-button')) event.preventDefault()
  }

  private readonly onClick = (event: MouseEvent) => {
    const target = event.target as Element
    if (target.closest('[data-action=remove]')) {
      removeLink(this.view.state, this.view.dispatch)
      this.closeLinkEditor()
      return
    }
    const button = target.closest<HTMLButtonElement>('.ortak-button')
    const entry = button && this.buttons.find((b) => b.button === button)
    if (!entry) return
    this.moveFocusTo(entry.button, false)
    entry.item.run(this.view.state, this.view.dispatch, this.view)
    if (entry.item.name !== 'link' && !entry.item.isBesideTheText) this.view.focus()
  }

  private readonly onKeydown = (event: KeyboardEvent) => {
    if (event.target === this.linkInput && event.key === 'Escape') {
      event.preventDefault()
      this.closeLinkEditor()
      return
    }
    // One tab stop for the whole toolbar; arrow keys, Home and End move between its buttons (WAI-ARIA toolbar pattern).
    const enabled = this.buttons.filter(({ button }) => !button.disabled)
    const index = enabled.findIndex((b) => b.button === event.target)
    if (index < 0) return
    const last = enabled.length - 1
    const next = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last }[event.key]
    if (next === undefined) return
    event.preventDefault()
    this.moveFocusTo(enabled[next]!.button, true)
  }

  private moveFocusTo(button: HTMLButtonElement, shouldFocus: boolean): void {
    for (const { button: other } of this.buttons) other.tabIndex = other === button ? 0 : -1
    if (shouldFocus) button.focus()
  }

  private readonly onLinkSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    const href = normalizeHref(this.linkInput.value)
    if (href === '') {
      removeLink(this.view.state, this.view.dispatch)
      this.closeLinkEditor()
      return
    }
    if (!isSafeHref(href)) {
      this.linkInput.setAttribute('aria-invalid', 'true')
      this.linkInput.title = this.settings.messages.linkInvalid
      return
    }
    setLink(href)(this.view.state, this.view.dispatch)
    this.closeLinkEditor()
  }

  destroy(): void {
    this.container.removeEventListener('mousedown', this.keepEditorFocus)
    this.container.removeEventListener('click', this.onClick)
    this.container.removeEventListener('keydown', this.onKeydown)
    this.linkForm.removeEventListener('submit', this.onLinkSubmit)
    this.linkForm.removeEventListener('click', this.onClick)
    this.linkForm.removeEventListener('keydown', this.onKeydown)
    this.linkForm.remove()
    this.overflow.destroy()
    this.container.remove()
  }
}

/**
 * The toolbar plugin, rendering into `frame` (the link form goes right after
 * it); the returned `openLinkEditor` command (bound to Mod-k) opens that form.
 */
export function toolbarPlugin(frame: HTMLElement, settings: ToolbarSettings): { plugin: Plugin; openLinkEditor: Command } {
  let toolbar: ToolbarView | null = null
  const host = {
    open: ((state, dispatch) => {
      if (state.selection.$from.parent.type.spec.code) return false
      if (dispatch) toolbar?.openLinkEditor()
      return true
    }) as Command,
  }
  const plugin = new Plugin({
    view: (view) => {
      toolbar = new ToolbarView(view, frame, host, settings)
      return {
        update: () => toolbar?.update(),
        destroy: () => {
          toolbar?.destroy()
          toolbar = null
        },
      }
    },
  })
  return { plugin, openLinkEditor: host.open }
}

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

const { nodes, marks } = schema

export interface ToolbarItem {
  /** Also the button's `data-command`, for styling and tests. */
  name: string
  label: string
  content: string
  shortcut?: string
  run: Command
  isActive?: (state: EditorState) => boolean
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

const heading = (level: number): ToolbarItem => ({
  name: `heading${level}`, label: `Heading ${level}`, content: `H${level}`,
  shortcut: shortcuts[`heading${level}` as 'heading1'],
  run: toggleHeading(level),
  isActive: (state) => isTextblockActive(state, nodes.heading!, { level }),
})

function toolbarGroups(openLinkEditor: Command, extraGroups: ToolbarItem[][]): ToolbarItem[][] {
  return [
    [
      { name: 'strong', label: 'Bold', content: '<b>B</b>', shortcut: shortcuts.strong, run: toggleStrong, isActive: (s) => isMarkActive(s, marks.strong!) },
      { name: 'em', label: 'Italic', content: '<i>I</i>', shortcut: shortcuts.em, run: toggleEm, isActive: (s) => isMarkActive(s, marks.em!) },
      { name: 'strike', label: 'Strikethrough', content: '<s>S</s>', shortcut: shortcuts.strike, run: toggleStrike, isActive: (s) => isMarkActive(s, marks.strike!) },
      { name: 'code', label: 'Inline code', content: icons.code, shortcut: shortcuts.code, run: toggleCode, isActive: (s) => isMarkActive(s, marks.code!) },
      { name: 'link', label: 'Link', content: icons.link, shortcut: shortcuts.link, run: openLinkEditor, isActive: (s) => activeLinkHref(s) !== null },
    ],
    [heading(1), heading(2), heading(3)],
    [
      { name: 'bullet_list', label: 'Bulleted list', content: icons.bulletList, shortcut: shortcuts.bulletList, run: toggleList(nodes.bullet_list!), isActive: (s) => isListActive(s, nodes.bullet_list!) },
      { name: 'ordered_list', label: 'Numbered list', content: icons.orderedList, shortcut: shortcuts.orderedList, run: toggleList(nodes.ordered_list!), isActive: (s) => isListActive(s, nodes.ordered_list!) },
      { name: 'blockquote', label: 'Quote', content: icons.blockquote, shortcut: shortcuts.blockquote, run: toggleBlockquote, isActive: isBlockquoteActive },
      { name: 'code_block', label: 'Code block', content: icons.codeBlock, shortcut: shortcuts.codeBlock, run: toggleCodeBlock, isActive: (s) => isTextblockActive(s, nodes.code_block!) },
      { name: 'horizontal_rule', label: 'Divider', content: icons.horizontalRule, run: insertHorizontalRule },
    ],
    ...extraGroups,
    [
      { name: 'undo', label: 'Undo your last change', content: icons.undo, shortcut: shortcuts.undo, run: undoCommand },
      { name: 'redo', label: 'Redo', content: icons.redo, shortcut: shortcuts.redo, run: redoCommand },
    ],
  ]
}

/** Adds `https://` to what looks like a bare domain ("example.com/page"). */
function normalizeHref(text: string): string {
  const trimmed = text.trim()
  if (/^[\w-]+(\.[\w-]+)+(\/|$)/.test(trimmed)) return `https://${trimmed}`
  return trimmed
}

class ToolbarView {
  private readonly buttons: Array<{ item: ToolbarItem; button: HTMLButtonElement }> = []
  private readonly linkForm: HTMLFormElement
  private readonly linkInput: HTMLInputElement

  constructor(
    private readonly view: EditorView,
    private readonly container: HTMLElement,
    private readonly linkEditorHost: { open: Command },
    extraGroups: ToolbarItem[][],
  ) {
    const document = container.ownerDocument
    container.setAttribute('role', 'toolbar')
    container.setAttribute('aria-label', 'Formatting')
    for (const group of toolbarGroups(linkEditorHost.open, extraGroups)) {
      const groupElement = document.createElement('div')
      groupElement.className = 'ortak-toolbar-group'
      for (const item of group) {
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
    this.linkForm = document.createElement('form')
    this.linkForm.className = 'ortak-link-form'
    this.linkForm.hidden = true
    this.linkForm.innerHTML = '<input type="text" inputmode="url" placeholder="Paste or type a link" aria-label="Link address">'
      + '<button type="submit" class="ortak-text-button">Apply</button>'
      + '<button type="button" class="ortak-text-button" data-action="remove">Remove</button>'
    this.linkInput = this.linkForm.querySelector('input')!
    // Beside the toolbar, not in it: on a phone the toolbar scrolls sideways and the form needs the full width.
    container.after(this.linkForm)
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
      button.disabled = !this.view.editable || !item.run(state)
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
    if (entry.item.name !== 'link') this.view.focus()
  }

  private readonly onKeydown = (event: KeyboardEvent) => {
    if (event.target === this.linkInput && event.key === 'Escape') {
      event.preventDefault()
      this.closeLinkEditor()
      return
    }
    // One tab stop for the whole toolbar; arrow keys move between its buttons (WAI-ARIA toolbar pattern).
    const index = this.buttons.findIndex((b) => b.button === event.target)
    if (index < 0) return
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (step === 0) return
    event.preventDefault()
    const next = this.buttons[(index + step + this.buttons.length) % this.buttons.length]!
    this.moveFocusTo(next.button, true)
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
      this.linkInput.title = 'Links must start with http://, https://, mailto: or tel:'
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
    this.container.replaceChildren()
  }
}

/**
 * The toolbar plugin, rendering into `container` (with `extraGroups` after the block buttons); the returned
 * `openLinkEditor` command (bound to Mod-k) opens its link form.
 */
export function toolbarPlugin(container: HTMLElement, extraGroups: ToolbarItem[][] = []): { plugin: Plugin; openLinkEditor: Command } {
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
      toolbar = new ToolbarView(view, container, host, extraGroups)
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

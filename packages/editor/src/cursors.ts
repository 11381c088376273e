/**
 * How collaborators' carets and selections look. Same DOM shape and
 * classes as y-prosemirror's defaults (`ProseMirror-yjs-cursor`, which
 * themes and tools look for), but the name goes in as text and the colour
 * only after it is checked, since both come from another client.
 */
import type { DecorationAttrs } from 'prosemirror-view'
import type { Messages } from './messages.js'
import { labelTextColor, readRemoteUser, type User } from './user.js'

/** y-prosemirror's `cursorBuilder` and `selectionBuilder`, naming a nameless collaborator in the words of `messages`. */
export function cursorBuilders(messages: Messages): {
  cursorBuilder: (rawUser: unknown, clientId: number) => HTMLElement
  selectionBuilder: (rawUser: unknown, clientId: number) => DecorationAttrs
} {
  return {
    cursorBuilder: (rawUser, clientId) => buildCursor(readRemoteUser(rawUser, clientId, messages.guest)),
    selectionBuilder: (rawUser, clientId) => buildSelection(readRemoteUser(rawUser, clientId, messages.guest)),
  }
}

function buildCursor(user: User): HTMLElement {
  const caret = document.createElement('span')
  caret.className = 'ProseMirror-yjs-cursor'
  caret.style.borderColor = user.color
  const label = document.createElement('div')
  label.style.backgroundColor = user.color
  label.style.color = labelTextColor(user.color)
  label.textContent = user.name
  // Word joiners keep the caret from splitting the word it sits in across lines.
  caret.append('\u2060', label, '\u2060')
  return caret
}

function buildSelection(user: User): DecorationAttrs {
  return { style: `background-color: ${user.color}33`, class: 'ProseMirror-yjs-selection' }
}

/**
 * How collaborators' carets and selections look. Same DOM shape and
 * classes as y-prosemirror's defaults (`ProseMirror-yjs-cursor`, which
 * themes and tools look for), but the name goes in as text and the colour
 * only after it is checked, since both come from another client.
 */
import type { DecorationAttrs } from 'prosemirror-view'
import { readRemoteUser } from './user.js'

export function buildCursor(rawUser: unknown, clientId: number): HTMLElement {
  const user = readRemoteUser(rawUser, clientId)
  const caret = document.createElement('span')
  caret.className = 'ProseMirror-yjs-cursor'
  caret.style.borderColor = user.color
  const label = document.createElement('div')
  label.style.backgroundColor = user.color
  label.textContent = user.name
  // Word joiners keep the caret from splitting the word it sits in across lines.
  caret.append('\u2060', label, '\u2060')
  return caret
}

export function buildSelection(rawUser: unknown, clientId: number): DecorationAttrs {
  const user = readRemoteUser(rawUser, clientId)
  return { style: `background-color: ${user.color}33`, class: 'ProseMirror-yjs-selection' }
}

/**
 * Server rendering: react-dom/server renders the component in plain Node,
 * where there is no window, document or WebSocket; the editor is created in
 * an effect, which the server never runs, so the HTML is the placeholder.
 */
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { expect, it } from 'vitest'
import { OrtakEditor } from '../src/index.js'

it('renders the fallback in Node, where touching window or document would throw', () => {
  expect(typeof globalThis.window).toBe('undefined')
  expect(typeof globalThis.document).toBe('undefined')
  const props = { url: 'wss://ortak.example.com/ws', room: 'notes', user: { name: 'Ada' }, className: 'notes-editor' }
  expect(renderToString(createElement(OrtakEditor, props))).toBe(
    '<div class="ortak-react notes-editor" data-room="notes"><div class="ortak-editor-loading" aria-busy="true">Loading the editor…</div>'
    + '<div class="ortak-react-host"></div></div>',
  )
  const custom = createElement(OrtakEditor, { ...props, fallback: createElement('p', null, 'One moment') })
  expect(renderToString(custom)).toContain('<p>One moment</p><div class="ortak-react-host"></div>')
})

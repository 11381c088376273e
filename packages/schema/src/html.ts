/**
 * Writing Ortak documents as HTML, shared by the server's export (in a
 * jsdom document) and the editor's `getHTML()` (in the page's), so that
 * both give the same markup. ProseMirror's DOMSerializer does the work with
 * the schema's render rules; only task items get more.
 */
import { DOMSerializer, type Fragment } from 'prosemirror-model'
import { schema } from './schema.js'

const domSerializer = DOMSerializer.fromSchema(schema)

/**
 * Renders nodes of the schema as HTML, built in `document`. A task item gets a checkbox first, as GitHub
 * renders task lists, so the list reads right wherever the HTML is shown; its `data-checked` is what the
 * parser reads back.
 */
export function fragmentToHtml(content: Fragment, document: Document): string {
  const container = document.createElement('div')
  container.appendChild(domSerializer.serializeFragment(content, { document }))
  for (const item of container.querySelectorAll('li[data-checked]')) {
    const box = document.createElement('input')
    box.type = 'checkbox'
    box.disabled = true
    box.defaultChecked = item.getAttribute('data-checked') === 'true'
    item.prepend(box)
  }
  return container.innerHTML
}

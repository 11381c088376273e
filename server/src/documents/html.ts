/**
 * HTML in and out of Ortak documents. ProseMirror's own DOMParser and
 * DOMSerializer do the work, with the schema's parse and render rules;
 * jsdom provides the DOM they need on the server. jsdom is loaded on first
 * use, so commands that never touch HTML do not pay for it.
 */
import { createRequire } from 'node:module'
import { DOMParser, type Fragment, type Node } from 'prosemirror-model'
import { fragmentToHtml as writeHtml, schema } from '@ortak/schema'

type JSDOMWindow = import('jsdom').DOMWindow

let sharedWindow: Promise<JSDOMWindow> | undefined

// One window for the process: it runs no scripts and loads nothing, it only builds and reads trees.
function domWindow(): Promise<JSDOMWindow> {
  // Required, not imported: the compiled server has no import() (see code-cache.ts).
  sharedWindow ??= Promise.resolve().then(() => {
    const { JSDOM } = createRequire(import.meta.url)('jsdom') as typeof import('jsdom')
    return new JSDOM('<!doctype html><html><body></body></html>').window
  })
  return sharedWindow
}

const domParser = DOMParser.fromSchema(schema)

/** Parses an HTML document or fragment; what the schema has no rule for is reduced to its text. */
export async function htmlToDocument(html: string): Promise<Node> {
  const window = await domWindow()
  // The window runs no scripts and fetches nothing, whatever the markup holds.
  const parsed = new window.DOMParser().parseFromString(html, 'text/html')
  return domParser.parse(parsed.body)
}

/** Renders the document as an HTML fragment (the body's content, no <html> wrapper). */
export function documentToHtml(doc: Node): Promise<string> {
  return fragmentToHtml(doc.content)
}

/** Renders nodes of the schema as HTML (see @ortak/schema's `fragmentToHtml`). */
export async function fragmentToHtml(content: Fragment): Promise<string> {
  return writeHtml(content, await serverDocument())
}

/** The document of the server's jsdom window, to build HTML in. */
export async function serverDocument(): Promise<Document> {
  return (await domWindow()).document as unknown as Document
}

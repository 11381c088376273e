/**
 * The document in the forms an app shows beside the editor (a preview, a
 * word count): ProseMirror JSON, HTML from the schema's own render rules
 * (as the server's HTML export), Markdown from the writer the server's
 * export uses too. And the debounced `change` event that says when to read
 * them again.
 */
import { fragmentToHtml } from '@ortak/schema'
import type { Node } from 'prosemirror-model'

/** A document as ProseMirror JSON (`Node.toJSON()`), readable back with `schema.nodeFromJSON`. */
export type DocumentJSON = Record<string, unknown>

export const documentJson = (doc: Node): DocumentJSON => doc.toJSON() as DocumentJSON

/** The document as an HTML fragment, built in `document` (no <html> wrapper), as the server exports it. */
export function documentHtml(doc: Node, document: Document): string {
  return fragmentToHtml(doc.content, document)
}

/**
 * Calls `emit` once the document has stopped changing for `delayMs`: a burst
 * of keystrokes (or of remote updates) is one event, so a listener that
 * renders a preview does not run on every character.
 */
export class DebouncedChange {
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly delayMs: number, private readonly emit: () => void) {}

  changed(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.emit()
    }, this.delayMs)
  }

  destroy(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}

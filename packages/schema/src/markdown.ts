/**
 * Writing an Ortak document as Markdown, shared by the server's export and
 * the editor's `getMarkdown()`, so that both give the same text. The
 * schema's node and mark names follow prosemirror-markdown's, so its
 * serializer rules are reused; only strikethrough, which CommonMark lacks,
 * is added. Reading Markdown stays on the server (it needs markdown-it).
 */
import { MarkdownSerializer, defaultMarkdownSerializer } from 'prosemirror-markdown'
import type { Node } from 'prosemirror-model'

const serializer = new MarkdownSerializer(defaultMarkdownSerializer.nodes, {
  ...defaultMarkdownSerializer.marks,
  strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
})

/** Writes a document as CommonMark (with `~~strikethrough~~`); lists are tight. */
export function documentToMarkdown(doc: Node): string {
  return serializer.serialize(doc, { tightLists: true })
}

/**
 * The formats a document is exported in and imported from, shared by the
 * HTTP API and the command line.
 */
import { Node } from 'prosemirror-model'
import * as Y from 'yjs'
import { schema } from '@ortak/schema/spec'
import { documentToHtml, htmlToDocument } from './html.js'
import { describeUnreadable, readDocument } from './yjs-document.js'

// Markdown is read on first use, as html.ts reads jsdom: a server start pays nothing for markdown-it.
const markdown = () => import('./markdown.js')

export const exportFormats = ['json', 'html', 'markdown', 'text', 'yjs'] as const
export type ExportFormat = (typeof exportFormats)[number]

/** Formats a document can be seeded or replaced from. */
export const importFormats = ['markdown', 'html', 'json'] as const
export type ImportFormat = (typeof importFormats)[number]

export const contentTypes: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  yjs: 'application/octet-stream',
}

/** The import format named by a Content-Type header (parameters such as charset are ignored). */
export function importFormatOf(contentType: string | undefined): ImportFormat | null {
  const mediaType = contentType?.split(';')[0]!.trim().toLowerCase()
  if (mediaType === 'text/markdown') return 'markdown'
  if (mediaType === 'text/html') return 'html'
  if (mediaType === 'application/json') return 'json'
  return null
}

export const isExportFormat = (value: string): value is ExportFormat => (exportFormats as readonly string[]).includes(value)
export const isImportFormat = (value: string): value is ImportFormat => (importFormats as readonly string[]).includes(value)

/** Input that is not a document of the Ortak schema; the message says what is wrong. */
export class DocumentInputError extends Error {}

/** A stored document that cannot be exported in the format asked for without leaving something out; the message says what. */
export class UnrenderableDocumentError extends Error {}

/**
 * The document held by `doc` in `format`: text for every format but `yjs`,
 * which is the whole state as one update. Throws UnrenderableDocumentError
 * rather than answer with less than is stored: a text format cannot show
 * what the schema does not know.
 */
export async function exportDocument(doc: Y.Doc, format: ExportFormat): Promise<string | Uint8Array> {
  if (format === 'yjs') return Y.encodeStateAsUpdate(doc)
  const unreadable = describeUnreadable(doc)
  if (unreadable) throw new UnrenderableDocumentError(`cannot export as ${format}: ${unreadable}; the yjs format exports all of it`)
  const node = readDocument(doc)
  switch (format) {
    case 'json': return `${JSON.stringify(node.toJSON())}\n`
    case 'html': return documentToHtml(node)
    case 'markdown': return (await markdown()).documentToMarkdown(node)
    case 'text': return node.textBetween(0, node.content.size, '\n', leafText)
  }
}

/** A leaf's text in a plain-text export: a line break, or an image's alt text. */
function leafText(leaf: Node): string {
  if (leaf.type === schema.nodes.hard_break) return '\n'
  if (leaf.type === schema.nodes.image) return (leaf.attrs.alt as string | null) ?? ''
  return ''
}

/** Parses `text` in `format` into a document of the Ortak schema; throws DocumentInputError naming the problem. */
export async function parseDocument(text: string, format: ImportFormat): Promise<Node> {
  switch (format) {
    case 'markdown': return (await markdown()).markdownToDocument(text)
    case 'html': return htmlToDocument(text)
    case 'json': return documentFromJson(text)
  }
}

function documentFromJson(text: string): Node {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new DocumentInputError(`body is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== schema.topNodeType.name) {
    throw new DocumentInputError(`expected ProseMirror JSON of a whole document: an object with "type": "${schema.topNodeType.name}"`)
  }
  try {
    const node = Node.fromJSON(schema, json)
    // fromJSON builds whatever it is given; check() holds it to the schema's content rules and attributes.
    node.check()
    return node
  } catch (error) {
    throw new DocumentInputError(`document does not fit the Ortak schema: ${(error as Error).message}`)
  }
}

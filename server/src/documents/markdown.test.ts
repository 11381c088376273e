import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { documentToMarkdown, markdownToDocument } from './markdown.js'
import { readDocument, replacementUpdate } from './yjs-document.js'

/** Markdown -> ProseMirror document -> Y.Doc (as the editor stores it) -> document -> markdown. */
function roundTrip(markdown: string): string {
  const ydoc = new Y.Doc()
  Y.applyUpdate(ydoc, replacementUpdate(ydoc, markdownToDocument(markdown))!)
  return documentToMarkdown(readDocument(ydoc))
}

describe('markdown round trip through a Yjs document', () => {
  it('keeps headings, lists, emphasis, code and links', () => {
    const markdown = [
      '# Heading one',
      '',
      '## Heading two',
      '',
      '### Heading three',
      '',
      'Text with *emphasis*, **strong**, ~~struck~~, `inline code`, a [link](https://example.com/a_b "Title") and <https://example.com>.',
      '',
      '* bullet',
      '* list with **bold**',
      '  * nested item',
      '',
      '3. ordered',
      '4. from three',
      '',
      '```',
      'const code = "block"',
      '  indented()',
      '```',
      '',
      '> a quote',
      '',
      '---',
      '',
      'line\\',
      'break',
    ].join('\n')
    expect(roundTrip(markdown)).toBe(markdown)
  })

  it('escapes text that would read as markup and keeps it as text', () => {
    const markdown = '\\# not a heading\n\n1\\. not a list\n\n\\*not emphasis\\*'
    expect(roundTrip(markdown)).toBe(markdown)
    expect(markdownToDocument(markdown).textContent).toBe('# not a heading1. not a list*not emphasis*')
  })

  it('maps what the schema lacks onto what it has, dropping no text', () => {
    expect(documentToMarkdown(markdownToDocument('#### Deep heading'))).toBe('### Deep heading')
    expect(documentToMarkdown(markdownToDocument('![a diagram](https://example.com/d.png)'))).toBe('[a diagram](https://example.com/d.png)')
    expect(documentToMarkdown(markdownToDocument('<b>raw html</b>'))).toBe('<b>raw html</b>')
    expect(markdownToDocument('<b>raw html</b>').textContent).toBe('<b>raw html</b>')
    expect(documentToMarkdown(markdownToDocument('[click](javascript:alert(1))'))).toBe('\\[click\\](javascript:alert(1))')
    // Links markdown-it allows but the schema's editor does not make are kept as their text.
    expect(documentToMarkdown(markdownToDocument('[files](ftp://example.com/f) and <irc://chat.example>'))).toBe('files and irc://chat.example')
    expect(documentToMarkdown(markdownToDocument('![diagram](ftp://example.com/d.png)'))).toBe('diagram')
  })
})

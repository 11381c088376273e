// @vitest-environment jsdom
/**
 * Clipboard HTML as Google Docs, Word on the web, desktop Word and an
 * ordinary web page put it there (samples in paste-samples/, written by
 * hand after what each program writes), pasted into an empty editor: each
 * becomes the document in the sample's .json, with headings, nested lists,
 * marks, links and tables, and nothing of the wrappers, styles or blank
 * lines around them. The same samples are pasted in Chromium by
 * pastes-from-word-processors.browser.test.ts.
 */
import { schema } from '@ortak/schema'
import { EditorState } from 'prosemirror-state'
import { tableEditing } from 'prosemirror-tables'
import { EditorView } from 'prosemirror-view'
import { describe, expect, it } from 'vitest'
import { cleanPastedHtml, pastePlugin } from '../src/paste.js'
import { pasteSamples } from './paste-samples.js'

function pasteIntoEmptyEditor(html: string): Record<string, unknown> {
  // ProseMirror draws with the global document: the test runs in jsdom's (the comment at the top).
  const mount = document.createElement('div')
  document.body.append(mount)
  const view = new EditorView({ mount }, {
    state: EditorState.create({ schema, plugins: [tableEditing(), pastePlugin()] }),
  })
  try {
    // jsdom has no ClipboardEvent; a paste given its HTML reads nothing else from the event.
    expect(view.pasteHTML(html, new Event('paste') as ClipboardEvent)).toBe(true)
    return view.state.doc.toJSON() as Record<string, unknown>
  } finally {
    view.destroy()
    mount.remove()
  }
}

describe('pasting HTML from word processors and web pages', () => {
  it('has a sample of each source', () => {
    expect(pasteSamples.map((sample) => sample.name).sort()).toEqual(['google-docs', 'web-page', 'word-desktop', 'word-online'])
  })

  for (const sample of pasteSamples) {
    it(`turns the ${sample.name} sample into clean schema nodes`, () => {
      const pasted = pasteIntoEmptyEditor(sample.html)
      expect(pasted).toEqual(sample.expected)
      // Nothing the sources wrap content in survives as text: no non-breaking spaces of Word's paragraph ends.
      expect(JSON.stringify(pasted)).not.toMatch(/\u00a0/)
    })
  }

  it('leaves clean HTML as it is', () => {
    const html = '<h2>Plan</h2><p>One <strong>bold</strong> step</p><ul><li><p>a</p><ul><li><p>b</p></li></ul></li></ul>'
    expect(cleanPastedHtml(html, document)).toBe(html)
  })
})

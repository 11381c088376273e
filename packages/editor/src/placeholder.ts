/**
 * The words shown in an empty document ("Start writing…"): a node
 * decoration on the one empty paragraph, drawn by CSS from its
 * `data-placeholder`. A decoration is the view's alone, so the words never
 * enter the document, its Y.Doc or anyone else's editor.
 */
import type { Node } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'
import { Decoration, DecorationSet } from 'prosemirror-view'

const isEmptyDocument = (doc: Node) =>
  doc.childCount === 1 && doc.firstChild!.isTextblock && doc.firstChild!.content.size === 0

/** Shows `text` in an empty document; an empty `text` shows nothing. */
export function placeholderPlugin(text: string): Plugin {
  return new Plugin({
    props: {
      decorations: (state) => text === '' || !isEmptyDocument(state.doc) ? null
        : DecorationSet.create(state.doc, [
          Decoration.node(0, state.doc.firstChild!.nodeSize, { class: 'ortak-placeholder', 'data-placeholder': text }),
        ]),
    },
  })
}

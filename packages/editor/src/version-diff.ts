/**
 * What changed between two versions, rendered read-only: y-prosemirror's
 * snapshot rendering applies the earlier and the later version's updates in
 * turn to a document kept with `gc: false` and marks each insertion and
 * deletion with a `ychange` mark (text) or attribute (blocks), naming its
 * author through `permanentUserData`. It runs in its own EditorView bound to
 * a scratch Y.Doc that nothing connects anywhere, so the live document and
 * the server never see it.
 */
import { documentFragmentName, schema } from '@ortak/schema'
import { Schema, type MarkSpec, type NodeSpec } from 'prosemirror-model'
import { EditorState, Plugin } from 'prosemirror-state'
import { Decoration, DecorationSet, EditorView, type NodeViewConstructor } from 'prosemirror-view'
import { ySyncPlugin, ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'
import { userColors } from './user.js'
import type { Version, VersionAuthor } from './versions-client.js'

interface YChange {
  user: string | null
  type: 'added' | 'removed'
  color: { light: string; dark: string }
}

const change: MarkSpec = {
  attrs: { user: { default: null }, type: { default: null }, color: { default: null } },
  inclusive: false,
  // An insertion can sit inside another person's bold: the change mark goes beside the others.
  excludes: '',
  toDOM: (mark) => {
    const { type, color } = mark.attrs as YChange
    return ['span', { class: `ortak-change ortak-change-${type}`, style: `--ortak-person-color: ${color.light}` }, 0]
  },
}

function withChangeAttribute(spec: NodeSpec): NodeSpec {
  return { ...spec, attrs: { ...spec.attrs, ychange: { default: null } } }
}

/** The document schema plus what y-prosemirror writes into a rendered diff. */
const diffSchema = (() => {
  let nodes = schema.spec.nodes
  schema.spec.nodes.forEach((name, spec) => {
    if (name !== 'text') nodes = nodes.update(name, withChangeAttribute(spec))
  })
  return new Schema({ nodes, marks: schema.spec.marks.addToEnd('ychange', change), topNode: schema.spec.topNode })
})()

/** Colours a block added or removed as a whole, as the mark does for text. */
const blockChanges = new Plugin({
  props: {
    decorations: (state) => {
      const found: Decoration[] = []
      state.doc.descendants((node, pos) => {
        const ychange = node.attrs.ychange as YChange | null | undefined
        if (!ychange) return true
        found.push(Decoration.node(pos, pos + node.nodeSize, {
          class: `ortak-change-block ortak-change-${ychange.type}`, style: `--ortak-person-color: ${ychange.color.light}`,
        }))
        return true
      })
      return DecorationSet.create(state.doc, found)
    },
  },
})

/** Who a change is by, as the key y-prosemirror groups colours by. */
const authorKey = (author: VersionAuthor) => (author.id === null ? `name:${author.name}` : `id:${author.id}`)

/** An author of the shown version and the colour their changes are marked in. */
export interface ColouredAuthor extends VersionAuthor {
  color: string
}

/** The colour of deletions whose author is not known (several people changed the version; README "History"). */
export const unknownAuthorColor = '#6b7280'

/**
 * Each author's colour: the same person's in every version (the palette
 * colour their identity hashes to), moved on to the next free one when two
 * authors of one version would share it.
 */
export function colouredAuthors(version: Version): ColouredAuthor[] {
  const taken = new Set<string>()
  return version.authors.map((author) => {
    let index = stringHash(authorKey(author)) % userColors.length
    for (let tries = 0; tries < userColors.length && taken.has(userColors[index]!); tries++) index = (index + 1) % userColors.length
    const color = userColors[index]!
    taken.add(color)
    return { ...author, color }
  })
}

/** FNV-1a: a stable, well-spread number for a string. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/**
 * y-prosemirror asks `permanentUserData` who inserted a struct (by its client
 * id) and who deleted one. Insertions come from the version's `clients` map;
 * a Yjs delete set carries no client, so a deletion is attributed only when
 * the version has one author, who then made every deletion in it.
 */
function attribution(version: Version) {
  const byClient = new Map(Object.entries(version.clients).map(([client, index]) => [Number(client), version.authors[index]]))
  const soleAuthor = version.authors.length === 1 ? authorKey(version.authors[0]!) : null
  return {
    // Deletions per user, which y-prosemirror splits the deleted structs by; none are known per user here.
    dss: new Map<string, never>(),
    getUserByClientId: (client: number) => {
      const author = byClient.get(client)
      return author ? authorKey(author) : null
    },
    getUserByDeletedId: () => soleAuthor,
  }
}

/** A rendered diff; `destroy()` unmounts it. */
export interface VersionDiff {
  readonly view: EditorView
  destroy(): void
}

/**
 * Renders into `mount` what `version` changed since the version before it,
 * each change in its author's colour from `authors`: `earlier` is the
 * version before's whole update (null for the first version) and `later`
 * what `version` adds to it (its changes since, or its whole update, which
 * gives the same picture at the cost of decoding everything twice).
 * Resolves once it is on screen.
 */
export function renderVersionDiff(
  mount: HTMLElement, version: Version, authors: ColouredAuthor[], later: Uint8Array, earlier: Uint8Array | null,
  /** How the diff shows nodes the schema alone cannot: pictures (images.ts, pictureViews). */
  nodeViews: { [node: string]: NodeViewConstructor },
): Promise<VersionDiff> {
  const scratch = new Y.Doc()
  const colorMapping = new Map<string | null, { light: string; dark: string }>(
    authors.map((author) => [authorKey(author), { light: author.color, dark: author.color }]),
  )
  colorMapping.set(null, { light: unknownAuthorColor, dark: unknownAuthorColor })
  let isAwaitingRender = false
  let rendered!: () => void
  const isRendered = new Promise<void>((resolve) => (rendered = resolve))
  const sync = ySyncPlugin(scratch.getXmlFragment(documentFragmentName), {
    colorMapping: colorMapping as Map<string, { light: string; dark: string }>,
    colors: [{ light: unknownAuthorColor, dark: unknownAuthorColor }],
    // y-prosemirror only calls the lookups and iterates `dss`: the attribution comes from the server's version record.
    permanentUserData: attribution(version) as unknown as Y.PermanentUserData,
  })
  const view = new EditorView(mount, {
    state: EditorState.create({ schema: diffSchema, plugins: [sync, blockChanges] }),
    editable: () => false,
    nodeViews,
    attributes: { class: 'ortak-prose ortak-version-diff' },
    dispatchTransaction(this: EditorView, transaction) {
      this.updateState(this.state.apply(transaction))
      // y-prosemirror renders a snapshot in a later task, in a transaction of its own.
      const meta = transaction.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; snapshot?: unknown } | undefined
      if (isAwaitingRender && meta?.isChangeOrigin === true && !('snapshot' in meta)) {
        isAwaitingRender = false
        rendered()
      }
    },
  })
  const destroy = () => {
    view.destroy()
    scratch.destroy()
  }
  try {
    isAwaitingRender = true
    const binding = ySyncPluginKey.getState(view.state).binding as { renderSnapshot(later: Uint8Array, earlier: Uint8Array): void }
    binding.renderSnapshot(Y.convertUpdateFormatV1ToV2(later), earlier ? Y.convertUpdateFormatV1ToV2(earlier) : Y.encodeStateAsUpdateV2(new Y.Doc()))
  } catch (error) {
    // An update that does not decode: nothing is left mounted.
    destroy()
    return Promise.reject(error)
  }
  return isRendered.then(() => ({ view, destroy }))
}

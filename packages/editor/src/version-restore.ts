/**
 * Restoring a version from the editor. The server's restore endpoint alone
 * would change the document as a remote change, which y-prosemirror's undo
 * never takes back. So the editor makes the change itself: the version's
 * content replaces the document in one ProseMirror transaction, which
 * y-prosemirror turns into one Yjs change through the ordinary socket (every
 * other editor receives it at once) and which the restoring user's
 * UndoManager owns. Once the server has stored it, the restore endpoint
 * records the version ("restored from ..."), finding the document equal to
 * the version already, or making it so if someone edited in between.
 */
import { schema } from '@ortak/schema'
import type { EditorView } from 'prosemirror-view'
import { yUndoPluginKey } from 'y-prosemirror'
import type { Version, VersionsClient } from './versions-client.js'

export interface RestoreHost {
  view: EditorView
  client: VersionsClient
  /** Resolves true once the server has stored every change made here, false if it has not within `timeoutMs`. */
  whenStored(timeoutMs: number): Promise<boolean>
}

/** How long the server may take to store the changes made here before a restore or a save is reported as not done. */
export const STORE_TIMEOUT_MS = 15_000

/** The restore is in the document here (and undoable) but the server has not stored it in time, so it is not recorded. */
export class RestoreError extends Error {}

export async function restoreVersion({ view, client, whenStored }: RestoreHost, version: Version): Promise<{ version: Version; changed: boolean }> {
  const content = schema.nodeFromJSON(await client.content(version.id))
  // A document is never empty in ProseMirror: an empty version restores as the empty paragraph a new document has.
  const blocks = content.childCount > 0 ? content.content : schema.topNodeType.createAndFill()!.content
  const undoManager = yUndoPluginKey.getState(view.state)?.undoManager
  // Its own undo step: not merged with the typing just before or just after.
  undoManager?.stopCapturing()
  view.dispatch(view.state.tr.replaceWith(0, view.state.doc.content.size, blocks))
  undoManager?.stopCapturing()
  if (!(await whenStored(STORE_TIMEOUT_MS))) {
    throw new RestoreError('the server has not stored the restored document yet, so the version is not recorded')
  }
  return client.restore(version.id)
}

/**
 * The editor's status, and how it reads. It must be honest: "Online" means
 * a socket is open and synced, and "Saved" means the server has durably
 * stored every change made here (see save-tracker.ts), never just "sent".
 */
import { fill, type Messages } from './messages.js'

export type ConnectionState = 'connecting' | 'online' | 'offline'

/** `edit`: the document can be changed here; `read`: it is shown live, with the others' carets, and never changed. */
export type EditorMode = 'edit' | 'read'

export interface EditorStatus {
  /** `connecting` until the first connection syncs, `online` while synced, `offline` after losing it (retrying). */
  connection: ConnectionState
  /** Local changes the server has not confirmed as stored (kept across reloads with the offline copy). */
  unsavedChanges: number
  /** The server has stored every local change: `unsavedChanges === 0`. */
  isSaved: boolean
  /** The mode in force: `read` when asked for, when the token grants reading only, or with content it cannot show. */
  mode: EditorMode
  /** The access token grants reading only: the editor stays in read mode whatever mode the page asks for. */
  hasReadOnlyAccess?: true
  /** The server refused this editor for good (close code 4400–4499), with its reason; no more retries. */
  refusal?: string
  /**
   * The document holds content this editor cannot show, named (`node "bulletList"`): the editor is
   * read-only, so that nothing of it is deleted.
   */
  unshownContent?: string
}

export const sameStatus = (a: EditorStatus, b: EditorStatus) =>
  a.connection === b.connection && a.unsavedChanges === b.unsavedChanges && a.refusal === b.refusal
  && a.unshownContent === b.unshownContent && a.mode === b.mode && a.hasReadOnlyAccess === b.hasReadOnlyAccess

/** The parts of the status line, in the words of `messages`: the connection, the state of local changes, and a note when read-only. */
export function describeStatus(status: EditorStatus, messages: Messages): { connection: string; changes: string; note: string } {
  const connection = status.refusal !== undefined
    ? fill(messages.refused, { reason: status.refusal || messages.noReasonGiven })
    : messages[status.connection]
  const count = status.unsavedChanges
  const changes = status.isSaved ? messages.saved
    : status.connection === 'online' ? messages.saving
    : fill(count === 1 ? messages.unsavedChange : messages.unsavedChanges, { count })
  const note = status.unshownContent !== undefined ? fill(messages.unshownContent, { content: status.unshownContent })
    : status.hasReadOnlyAccess ? messages.readOnlyAccess
    : ''
  return { connection, changes, note }
}

/** Where the status is shown: the status line, and the note (a row of the bar of its own) when read-only. */
export interface StatusElements {
  line: HTMLElement
  note: HTMLElement
}

/** Renders the status; `data-connection`, `data-saved` and `data-read-only` on the line carry it for styles and tests. */
export function renderStatus({ line, note }: StatusElements, status: EditorStatus, messages: Messages): void {
  const text = describeStatus(status, messages)
  line.dataset.connection = status.connection
  line.dataset.saved = String(status.isSaved)
  line.dataset.unsaved = String(status.unsavedChanges)
  line.dataset.readOnly = String(status.mode === 'read')
  line.querySelector('.ortak-status-connection')!.textContent = text.connection
  line.querySelector('.ortak-status-save')!.textContent = text.changes
  note.textContent = text.note
}

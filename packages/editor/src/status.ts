/**
 * The editor's status, and how it reads. It must be honest: "Online" means
 * a socket is open and synced, and "Saved" means the server has durably
 * stored every change made here (see save-tracker.ts), never just "sent".
 */
export type ConnectionState = 'connecting' | 'online' | 'offline'

export interface EditorStatus {
  /** `connecting` until the first connection syncs, `online` while synced, `offline` after losing it (retrying). */
  connection: ConnectionState
  /** Local changes the server has not confirmed as stored (kept across reloads with the offline copy). */
  unsavedChanges: number
  /** The server has stored every local change: `unsavedChanges === 0`. */
  isSaved: boolean
  /** The server refused this editor for good (close code 4400–4499), with its reason; no more retries. */
  refusal?: string
}

export const sameStatus = (a: EditorStatus, b: EditorStatus) =>
  a.connection === b.connection && a.unsavedChanges === b.unsavedChanges && a.refusal === b.refusal

/** The two parts of the status line: the connection, and the state of local changes. */
export function describeStatus(status: EditorStatus): { connection: string; changes: string } {
  const connection = status.refusal !== undefined
    ? `Refused: ${status.refusal || 'no reason given'}`
    : { connecting: 'Connecting…', online: 'Online', offline: 'Offline' }[status.connection]
  const n = status.unsavedChanges
  const changes = status.isSaved ? 'Saved'
    : status.connection === 'online' ? 'Saving…'
    : `${n} unsaved ${n === 1 ? 'change' : 'changes'}`
  return { connection, changes }
}

/** Renders the status into its element; `data-connection` and `data-saved` carry it for styles and tests. */
export function renderStatus(element: HTMLElement, status: EditorStatus): void {
  const { connection, changes } = describeStatus(status)
  element.dataset.connection = status.connection
  element.dataset.saved = String(status.isSaved)
  element.dataset.unsaved = String(status.unsavedChanges)
  element.querySelector('.ortak-status-connection')!.textContent = connection
  element.querySelector('.ortak-status-save')!.textContent = changes
}

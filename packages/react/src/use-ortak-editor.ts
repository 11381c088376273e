/**
 * `useOrtakEditor`: one collaborative editor owned by a React component.
 * The editor is created in an effect, so server rendering never reaches it
 * (it needs a DOM and a socket) and a hydrated page mounts it after the
 * first paint. Under StrictMode React mounts, unmounts and mounts again: the
 * first editor is destroyed before the second is made, so one socket stays
 * open and the document is shown once.
 */
import { createEditor, type DocumentJSON, type EditorOptions, type EditorStatus, type OrtakEditor, type Person } from '@ortak/editor'
import { useCallback, useEffect, useRef, useState } from 'react'

/**
 * createEditor's options, and listeners. A new `url`, `room`, `token` or `offline` closes the old
 * connection and opens the new document; a new `user` or `mode` changes on the open connection; a new
 * `getToken` or listener is simply used from then on.
 */
export interface UseOrtakEditorOptions extends EditorOptions {
  onStatus?: (status: EditorStatus) => void
  onPresence?: (people: Person[]) => void
  /** The document changed and then stayed as it is for a moment. */
  onChange?: (json: DocumentJSON) => void
}

export interface UseOrtakEditor {
  /** Give it to the element the editor should live in (`<div ref={ref} />`). */
  ref: (element: HTMLElement | null) => void
  /** The mounted editor, or `null` before it is mounted (and always while rendering on the server). */
  editor: OrtakEditor | null
  /** The editor's status, `null` before it is mounted. */
  status: EditorStatus | null
  /** Everyone in the document, this user first; empty before the editor is mounted. */
  people: Person[]
}

/** Mounts an editor into the element given to `ref`, for as long as the component is mounted. */
export function useOrtakEditor(options: UseOrtakEditorOptions): UseOrtakEditor {
  const [element, setElement] = useState<HTMLElement | null>(null)
  const [editor, setEditor] = useState<OrtakEditor | null>(null)
  const [status, setStatus] = useState<EditorStatus | null>(null)
  const [people, setPeople] = useState<Person[]>([])
  // The latest options, read by the editor's listeners and at creation: a new callback or user on every
  // render must not remount the editor, only a new document, server or token does.
  const latest = useRef(options)
  latest.current = options
  const hasGetToken = options.getToken !== undefined
  const { url, room, token, offline } = options

  useEffect(() => {
    if (!element) return
    const { user, mode } = latest.current
    const getToken = () => latest.current.getToken!()
    const mounted = createEditor(element, {
      url, room, user, ...(token === undefined ? {} : { token }), ...(hasGetToken ? { getToken } : {}),
      ...(mode === undefined ? {} : { mode }), ...(offline === undefined ? {} : { offline }),
    })
    const stops = [
      mounted.on('status', (next) => {
        setStatus(next)
        latest.current.onStatus?.(next)
      }),
      mounted.on('presence', (next) => {
        setPeople(next)
        latest.current.onPresence?.(next)
      }),
      mounted.on('change', (json) => latest.current.onChange?.(json)),
    ]
    setEditor(mounted)
    setStatus(mounted.status)
    setPeople(mounted.people)
    return () => {
      for (const stop of stops) stop()
      mounted.destroy()
      setEditor(null)
      setStatus(null)
      setPeople([])
    }
  }, [element, url, room, token, hasGetToken, offline])

  const { name, color } = options.user
  useEffect(() => {
    if (editor && (editor.user.name !== name.trim() || (color !== undefined && editor.user.color !== color))) {
      editor.setUser(color === undefined ? { name } : { name, color })
    }
  }, [editor, name, color])

  const mode = options.mode ?? 'edit'
  useEffect(() => {
    editor?.setMode(mode)
  }, [editor, mode])

  const ref = useCallback((next: HTMLElement | null) => setElement(next), [])
  return { ref, editor, status, people }
}

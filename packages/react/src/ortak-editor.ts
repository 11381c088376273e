/**
 * `<OrtakEditor>`: the editor as a React component, for the common case of
 * one editor in a page: `<OrtakEditor url="/ws" room="notes" user={{ name: 'Ada' }} />`.
 * Until the editor is mounted (and in server-rendered HTML) it shows
 * `fallback`; `ref` receives the editor's handle once mounted.
 */
import type { OrtakEditor as OrtakEditorHandle } from '@ortak/editor'
import { createElement, useImperativeHandle, type ReactNode, type Ref } from 'react'
import { useOrtakEditor, type UseOrtakEditorOptions } from './use-ortak-editor.js'

export interface OrtakEditorProps extends UseOrtakEditorOptions {
  /** Set on the element around the editor. */
  className?: string
  /** Shown until the editor is mounted, and in server-rendered HTML. */
  fallback?: ReactNode
  /** Receives the editor's handle once it is mounted, and `null` when it is unmounted. */
  ref?: Ref<OrtakEditorHandle | null>
}

const defaultFallback = createElement('div', { className: 'ortak-editor-loading', 'aria-busy': 'true' }, 'Loading the editor…')

export function OrtakEditor({ className, fallback = defaultFallback, ref, ...options }: OrtakEditorProps): ReactNode {
  const { ref: hostRef, editor } = useOrtakEditor(options)
  useImperativeHandle<OrtakEditorHandle | null, OrtakEditorHandle | null>(ref, () => editor, [editor])
  // The editor lives in a child React never renders into, so that the fallback can come and go beside it.
  return createElement('div', { className: ['ortak-react', className].filter(Boolean).join(' '), 'data-room': options.room },
    editor === null ? fallback : null,
    createElement('div', { ref: hostRef, className: 'ortak-react-host' }))
}

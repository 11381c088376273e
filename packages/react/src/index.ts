export { OrtakEditor, type OrtakEditorProps } from './ortak-editor.js'
export { useOrtakEditor, type UseOrtakEditor, type UseOrtakEditorOptions } from './use-ortak-editor.js'

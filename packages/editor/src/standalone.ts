/**
 * The one-script-tag build (`ortak-editor.js`, every dependency and the CSS
 * inside): defines `<ortak-editor>` and exposes the API as `window.Ortak`.
 * An element without `url` talks to the server the script was loaded from.
 */
import { defineOrtakEditorElement } from './element.js'

export * from './index.js'

// `currentScript` is only set while the script first runs.
const scriptUrl = (document.currentScript as HTMLScriptElement | null)?.src
defineOrtakEditorElement('ortak-editor', new URL('/ws', scriptUrl || document.baseURI).href)

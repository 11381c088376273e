/**
 * `<ortak-editor>`: the editor as a custom element, for pages without a
 * build step. It mounts when it enters the document and is destroyed when
 * it leaves; changing an attribute remounts it, except the user's name and
 * colour and `mode` (`edit` or `read`), which change on the open connection.
 *
 *   <ortak-editor url="wss://ortak.example.com/ws" room="notes" user-name="Ada" user-color="#c2255c"></ortak-editor>
 *
 * Without `url` it uses `defaultUrl` (the standalone script passes the `/ws`
 * endpoint of the server it came from); without `user-name` the user gets a
 * friendly random name, and without `user-color` a colour nobody in the room
 * wears yet. Its words are in the language of its `lang` attribute or the
 * page's around it.
 */
import { createEditor, type EditorOptions, type OrtakEditor, type Theme } from './create-editor.js'
import type { EditorMode } from './status.js'
import type { ToolbarButtonName } from './toolbar.js'
import { randomUser, type UserOptions } from './user.js'

const observedAttributes = [
  'url', 'room', 'user-name', 'user-color', 'token', 'offline', 'mode',
  // How it looks and speaks.
  'theme', 'toolbar', 'placeholder', 'lang',
] as const

/** Defines `<ortak-editor>` (or `tagName`); `defaultUrl` is used when the element has no `url`. Safe to call twice. */
export function defineOrtakEditorElement(tagName = 'ortak-editor', defaultUrl = '/ws'): void {
  if (customElements.get(tagName)) return

  class OrtakEditorElement extends HTMLElement {
    static readonly observedAttributes = observedAttributes
    /** The mounted editor's handle, while the element is in the document. */
    editor: OrtakEditor | null = null
    private readonly fallbackName = randomUser().name
    // Between connectedCallback and disconnectedCallback. When a page defines the element after it is
    // in the document, attributeChangedCallback runs for every attribute before connectedCallback.
    private isActive = false

    connectedCallback(): void {
      this.isActive = true
      this.mount()
    }

    disconnectedCallback(): void {
      this.isActive = false
      this.unmount()
    }

    attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
      if (oldValue === newValue || !this.isActive) return
      // A new name or colour is only news for the others; anything else is another document or server.
      if (this.editor && (name === 'user-name' || name === 'user-color')) {
        this.editor.setUser(this.user())
        return
      }
      if (this.editor && name === 'mode') {
        this.editor.setMode(this.mode())
        return
      }
      this.unmount()
      this.mount()
    }

    private user(): UserOptions {
      const color = this.getAttribute('user-color')
      return { name: this.getAttribute('user-name') ?? this.fallbackName, ...(color === null ? {} : { color }) }
    }

    // A value other than `read` or `edit` edits, with a line naming it: a typo must not throw out the whole editor.
    private mode(): EditorMode {
      const mode = this.getAttribute('mode')
      if (mode !== null && mode !== 'read' && mode !== 'edit') console.error(`<ortak-editor> mode must be "edit" or "read", got ${JSON.stringify(mode)}: editing`)
      return mode === 'read' ? 'read' : 'edit'
    }

    private mount(): void {
      const room = this.getAttribute('room')
      if (!room) {
        this.textContent = 'ortak-editor: set the room attribute to the document to open.'
        console.error('<ortak-editor> needs a room attribute')
        return
      }
      this.textContent = ''
      const token = this.getAttribute('token')
      try {
        this.editor = createEditor(this, {
          url: this.getAttribute('url') ?? defaultUrl,
          room,
          user: this.user(),
          offline: this.getAttribute('offline') !== 'false',
          mode: this.mode(),
          ...(token === null ? {} : { token }),
          ...this.lookAndWords(),
        })
      } catch (error) {
        // An attribute createEditor refuses (theme="blue"): said on the page and in the console, not thrown at the parser.
        if (!(error instanceof RangeError)) throw error
        this.textContent = `ortak-editor: ${error.message}`
        console.error(`<ortak-editor>: ${error.message}`)
        return
      }
      this.dispatchEvent(new CustomEvent('ortak-ready', { detail: this.editor, bubbles: true }))
    }

    /** `theme`, `toolbar` ("false", or button names apart by spaces or commas), `placeholder`; `lang` is read from the page around. */
    private lookAndWords(): Pick<EditorOptions, 'theme' | 'toolbar' | 'placeholder'> {
      const theme = this.getAttribute('theme')
      const toolbar = this.getAttribute('toolbar')?.trim()
      const placeholder = this.getAttribute('placeholder')
      return {
        ...(theme === null ? {} : { theme: theme as Theme }),
        ...(toolbar === undefined || toolbar === 'true' ? {} : { toolbar: toolbar === 'false' ? false : toolbar.split(/[\s,]+/).filter(Boolean) as ToolbarButtonName[] }),
        ...(placeholder === null ? {} : { placeholder }),
      }
    }

    private unmount(): void {
      this.editor?.destroy()
      this.editor = null
    }
  }

  customElements.define(tagName, OrtakEditorElement)
}

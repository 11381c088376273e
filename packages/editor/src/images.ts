/**
 * Pictures in the document: pasted from the clipboard, dropped as files or
 * picked with the toolbar's Image button, each uploaded into the room's
 * files (see image-upload.ts) and then held by the document as an image
 * node with the file's URL. The node view shows a room file's relative URL
 * from the editor's server, with the token added for servers with access
 * control: the document itself holds neither host nor token.
 */
import { schema } from '@ortak/schema'
import type { Node } from 'prosemirror-model'
import { NodeSelection, Plugin, type Command } from 'prosemirror-state'
import type { EditorView, NodeView, NodeViewConstructor } from 'prosemirror-view'
import { ImageUploads } from './image-upload.js'
import type { Messages } from './messages.js'

/** Every string the images show, in one place (to move into the messages table). */
export interface ImageOptions {
  /** The server's WebSocket endpoint as the editor connects to it (`ws(s)://host/ws`). */
  webSocketUrl: string
  room: string
  token?: string
  /** The words of the picker, the placeholders and the description prompt. */
  messages: Messages
}

/** The server's HTTP address for a WebSocket endpoint: same host, http(s), without the `/ws` the rooms hang under. */
export function httpBaseOf(webSocketUrl: string): URL {
  const base = new URL(webSocketUrl)
  base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:'
  base.pathname = base.pathname.replace(/\/ws\/?$/, '/')
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  base.search = ''
  return base
}

/**
 * The address an <img> loads for an image's `src`: relative to the editor's server (`base`), and for that server's
 * room files with `?token=` when there is a token (an <img> cannot send a header).
 */
export function shownImageSource(src: string, base: URL, token: string | undefined): string {
  let url: URL
  try {
    url = new URL(src, base)
  } catch {
    return src
  }
  // Only this server's files get the token: it must not travel to the other sites a document shows pictures from.
  if (token !== undefined && url.origin === base.origin && url.pathname.startsWith(new URL('api/rooms/', base).pathname)) {
    url.searchParams.set('token', token)
  }
  return url.href
}

const isImageFile = (file: File) => file.type.startsWith('image/')

/** The image files among `files`, as an array. */
function imageFiles(files: FileList | null | undefined): File[] {
  return files ? [...files].filter(isImageFile) : []
}

class ImageView implements NodeView {
  readonly dom: HTMLImageElement

  constructor(private node: Node, private readonly shownSrc: (src: string) => string, document: Document) {
    this.dom = document.createElement('img')
    this.dom.className = 'ortak-image'
    this.render()
  }

  private render(): void {
    const { src, alt, title, width } = this.node.attrs as { src: string; alt: string | null; title: string | null; width: number | null }
    const shown = src === '' ? '' : this.shownSrc(src)
    if (this.dom.getAttribute('src') !== shown) this.dom.setAttribute('src', shown)
    for (const [name, value] of [['alt', alt], ['title', title], ['width', width === null ? null : String(width)]] as const) {
      if (value === null) this.dom.removeAttribute(name)
      else this.dom.setAttribute(name, value)
    }
  }

  update(node: Node): boolean {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }
}

/** Asks for the selected image's description (its alt text) and sets it; an empty answer removes it. */
export const editImageDescription = (messages: Messages): Command => (state, dispatch, view) => {
  const selection = state.selection
  if (!(selection instanceof NodeSelection) || selection.node.type !== schema.nodes.image) return false
  if (!dispatch || !view) return true
  const window = view.dom.ownerDocument.defaultView!
  const answer = window.prompt(messages.imageDescriptionPrompt, (selection.node.attrs.alt as string | null) ?? '')
  if (answer === null) return true
  const alt = answer.trim()
  dispatch(view.state.tr.setNodeAttribute(selection.from, 'alt', alt === '' ? null : alt))
  return true
}

/**
 * The node views that show pictures, for every view of the document: the editor's own, the read-only one it
 * falls back to, and a version's diff in the history panel. A room's file is shown with the token, which an
 * <img> cannot send as a header.
 */
function pictureViews(options: Pick<ImageOptions, 'webSocketUrl' | 'token'>): { image: NodeViewConstructor } {
  const base = httpBaseOf(options.webSocketUrl)
  // Read at each render: an editor with getToken renews it.
  const shownSrc = (src: string) => shownImageSource(src, base, options.token)
  return { image: (node, view) => new ImageView(node, shownSrc, view.dom.ownerDocument) }
}

/**
 * The image plugins of one editor, the command of the toolbar's Image button (a file picker), the node views
 * its plugins show pictures with (for the editor's other views), and `destroy` for the uploads still under way.
 */
export function imagePlugins(options: ImageOptions, window: Window): {
  plugins: Plugin[]; pickImage: Command; nodeViews: { image: NodeViewConstructor }; destroy(): void
} {
  const base = httpBaseOf(options.webSocketUrl)
  const nodeViews = pictureViews(options)
  const uploads = new ImageUploads({
    filesUrl: new URL(`api/rooms/${encodeURIComponent(options.room)}/files`, base).href,
    // Read at each upload: an editor with getToken renews it.
    get token() { return options.token },
  }, window, options.messages)

  const uploadAtSelection = (view: EditorView, files: File[]) => {
    if (files.length === 0) return
    if (!view.state.selection.empty) view.dispatch(view.state.tr.deleteSelection())
    for (const file of files) uploads.start(view, file, view.state.selection.from)
  }

  let fileInput: HTMLInputElement | null = null
  const pickerPlugin = new Plugin({
    view: (view) => {
      const input = view.dom.ownerDocument.createElement('input')
      input.type = 'file'
      input.accept = 'image/png,image/jpeg,image/gif,image/webp'
      input.multiple = true
      input.hidden = true
      input.className = 'ortak-image-picker'
      // Opened by the toolbar's Image button, never reached by itself; labelled for the tools that list every control.
      input.setAttribute('aria-label', options.messages.insertImage)
      input.tabIndex = -1
      const onChange = () => {
        uploadAtSelection(view, imageFiles(input.files))
        input.value = ''
        view.focus()
      }
      input.addEventListener('change', onChange)
      view.dom.parentElement?.append(input)
      fileInput = input
      return {
        destroy: () => {
          input.removeEventListener('change', onChange)
          input.remove()
          fileInput = null
        },
      }
    },
    props: {
      nodeViews,
      handlePaste: (view, event) => {
        const files = imageFiles(event.clipboardData?.files)
        if (files.length === 0) return false
        // A picture copied from a page or a document comes with its HTML; when that HTML holds a picture on the
        // web, the paste keeps its address rather than storing a copy.
        const html = event.clipboardData?.getData('text/html') ?? ''
        if (/<img[^>]+src\s*=\s*["']?https?:/i.test(html)) return false
        uploadAtSelection(view, files)
        return true
      },
      handleDrop: (view, event) => {
        const dropped = event.dataTransfer?.files
        if (!dropped || dropped.length === 0) return false
        // Every dropped file goes up, pictures or not: the server reads what each is, and the placeholder of one it
        // refuses says why (rather than the browser opening the file in place of the page).
        const files = [...dropped]
        event.preventDefault()
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos ?? view.state.selection.from
        for (const file of files) uploads.start(view, file, at)
        return true
      },
    },
  })

  const pickImage: Command = (state, dispatch) => {
    if (state.selection.$from.parent.type.spec.code || !fileInput) return false
    if (dispatch) fileInput.click()
    return true
  }
  return { plugins: [uploads.plugin, pickerPlugin], pickImage, nodeViews, destroy: () => uploads.destroy() }
}

/**
 * Uploading pictures into the room's files. While a file uploads, a
 * placeholder shows where it goes: a widget decoration, local to this
 * editor and never part of the shared document, that follows every edit
 * made meanwhile (mapped through this editor's own, found again from its
 * Yjs relative position after someone else's), so typing around it goes
 * on as usual. When the server answers with the file's URL, an
 * image node takes the placeholder's place. Offline, or with the server
 * out of reach, the upload waits and tries again when the browser is back
 * online (or after a backoff while it says it is online); a refusal shows
 * its reason with Retry and Remove.
 */
import { schema } from '@ortak/schema'
import { Plugin, PluginKey, type EditorState, type Transaction } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView } from 'prosemirror-view'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey, type ProsemirrorBinding } from 'y-prosemirror'
import type * as Y from 'yjs'
import type { Messages } from './messages.js'

/** Every string the uploads show, in one place (to move into the messages table). */
/** Where uploads go and how they are allowed in. */
export interface UploadTarget {
  /** `POST` URL of the room's files (`…/api/rooms/<room>/files`). */
  filesUrl: string
  /** The room's token, sent as a bearer token, for servers with access control. */
  token?: string
}

type UploadState = 'uploading' | 'waiting' | 'failed'

const RETRY = { initialDelayMs: 1_000, maxDelayMs: 10_000 }

const uploadsKey = new PluginKey<DecorationSet>('ortak-image-uploads')

type UploadsAction = { add: Upload; pos: number } | { remove: Upload }

const bindingOf = (state: EditorState) => (ySyncPluginKey.getState(state) as { binding?: ProsemirrorBinding } | undefined)?.binding ?? null

/**
 * The placeholders after `tr`. ProseMirror maps them through local edits; a change from someone else comes from
 * y-prosemirror as a replacement of the whole document, which no mapping survives, so each is put back where its
 * Yjs relative position (taken when it was added) now is.
 */
function placeholdersAfter(tr: Transaction, set: DecorationSet, state: EditorState): DecorationSet {
  const binding = bindingOf(state)
  const isRemote = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin === true
  if (!isRemote || !binding) return set.map(tr.mapping, tr.doc)
  const placed = set.find().flatMap((decoration) => {
    const upload = decoration.spec.upload as Upload
    const pos = upload.anchor && relativePositionToAbsolutePosition(binding.doc, binding.type, upload.anchor, binding.mapping)
    return typeof pos === 'number' && pos >= 0 && pos <= tr.doc.content.size ? [placeholder(upload, pos)] : []
  })
  return DecorationSet.create(tr.doc, placed)
}

const placeholder = (upload: Upload, pos: number) => Decoration.widget(pos, upload.element, { upload, side: -1 })

/** One picture on its way to the server, and the placeholder that stands for it in the document. */
class Upload {
  readonly element: HTMLElement
  private readonly label: HTMLElement
  private readonly preview: HTMLImageElement
  private readonly previewUrl: string
  state: UploadState = 'uploading'
  /** Where the placeholder is in the Y.Doc, to find it again after a change from someone else. */
  anchor: Y.RelativePosition | null = null

  constructor(readonly file: Blob, document: Document, actions: { retry(upload: Upload): void; remove(upload: Upload): void }, private readonly messages: Messages) {
    this.element = document.createElement('span')
    this.element.className = 'ortak-image-placeholder'
    this.element.contentEditable = 'false'
    this.element.setAttribute('role', 'status')
    this.previewUrl = URL.createObjectURL(file)
    this.preview = document.createElement('img')
    this.preview.alt = ''
    this.preview.src = this.previewUrl
    this.label = document.createElement('span')
    this.label.className = 'ortak-image-placeholder-label'
    const button = (action: 'retry' | 'remove') => {
      const element = document.createElement('button')
      element.type = 'button'
      element.className = 'ortak-text-button'
      element.dataset.uploadAction = action
      element.textContent = action === 'retry' ? messages.retryUpload : messages.removeUpload
      element.addEventListener('mousedown', (event) => event.preventDefault())
      element.addEventListener('click', () => actions[action](this))
      return element
    }
    this.element.append(this.preview, this.label, button('retry'), button('remove'))
    this.show('uploading')
  }

  show(state: UploadState, reason = ''): void {
    this.state = state
    this.element.dataset.state = state
    this.label.textContent = state === 'failed' ? `${this.messages.imageNotUploaded} ${reason}`
      : state === 'waiting' ? this.messages.imageWaiting : this.messages.imageUploading
  }

  release(): void {
    URL.revokeObjectURL(this.previewUrl)
  }
}

/** The server's reason for refusing, from its JSON error body, else the status line. */
async function refusalReason(response: Response): Promise<string> {
  try {
    const body = await response.json() as { message?: unknown }
    if (typeof body.message === 'string') return body.message
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return `the server answered ${response.status} ${response.statusText}`.trim()
}

/**
 * The uploads of one editor: its plugin (the placeholders) and the uploads in flight, with everything they
 * leave running (requests, retry timers, the online listener) taken down by `destroy()`.
 */
export class ImageUploads {
  readonly plugin: Plugin<DecorationSet>
  private view: EditorView | null = null
  private readonly waiting = new Map<Upload, ReturnType<typeof setTimeout> | null>()
  private readonly attempts = new Map<Upload, number>()
  private readonly inFlight = new Map<Upload, AbortController>()
  /** Every upload with a preview still held, so that destroy() can let go of them. */
  private readonly unplaced = new Set<Upload>()
  private readonly window: Window

  constructor(private readonly target: UploadTarget, window: Window, private readonly messages: Messages) {
    this.window = window
    this.plugin = new Plugin<DecorationSet>({
      key: uploadsKey,
      state: {
        init: () => DecorationSet.empty,
        apply: (tr, set, oldState) => {
          let next = placeholdersAfter(tr, set, oldState)
          const action = tr.getMeta(uploadsKey) as UploadsAction | undefined
          if (action && 'add' in action) {
            next = next.add(tr.doc, [placeholder(action.add, action.pos)])
          } else if (action) {
            next = next.remove(next.find(undefined, undefined, (spec) => spec.upload === action.remove))
          }
          return next
        },
      },
      props: { decorations: (state) => uploadsKey.getState(state) },
      view: (view) => {
        this.view = view
        return { update: () => this.takeAnchors(view.state), destroy: () => { this.view = null } }
      },
    })
    window.addEventListener('online', this.onOnline)
  }

  /** Starts uploading `file` to go at `pos` in the document of `view`. */
  start(view: EditorView, file: Blob, pos: number): void {
    const upload = new Upload(file, view.dom.ownerDocument, { retry: (u) => void this.send(u), remove: (u) => this.drop(u) }, this.messages)
    this.unplaced.add(upload)
    view.dispatch(view.state.tr.setMeta(uploadsKey, { add: upload, pos } satisfies UploadsAction))
    void this.send(upload)
  }

  /**
   * Takes each placeholder's place in the Y.Doc again after every change is drawn (y-prosemirror has written the
   * change to the Y.Doc by then, its plugin coming first): taken once, a place at the end of a text would stay at
   * its end while the text grew after the placeholder.
   */
  private takeAnchors(state: EditorState): void {
    const binding = bindingOf(state)
    if (!binding) return
    for (const decoration of uploadsKey.getState(state)?.find() ?? []) {
      ;(decoration.spec.upload as Upload).anchor = absolutePositionToRelativePosition(decoration.from, binding.type, binding.mapping)
    }
  }

  /** The uploads whose placeholders are in the document, in document order (for tests and the status). */
  pending(state: EditorState): Array<{ pos: number; state: UploadState }> {
    return (uploadsKey.getState(state)?.find() ?? []).map((d) => ({ pos: d.from, state: (d.spec.upload as Upload).state }))
  }

  private positionOf(upload: Upload): number | null {
    const state = this.view?.state
    const found = state && uploadsKey.getState(state)?.find(undefined, undefined, (spec) => spec.upload === upload)
    return found && found.length > 0 ? found[0]!.from : null
  }

  private async send(upload: Upload): Promise<void> {
    this.clearWait(upload)
    if (this.inFlight.has(upload)) return
    if (this.window.navigator.onLine === false) {
      this.wait(upload, false)
      return
    }
    upload.show('uploading')
    const controller = new AbortController()
    this.inFlight.set(upload, controller)
    let response: Response
    try {
      response = await this.window.fetch(this.target.filesUrl, {
        method: 'POST',
        body: upload.file,
        headers: this.target.token === undefined ? {} : { Authorization: `Bearer ${this.target.token}` },
        signal: controller.signal,
      })
    } catch {
      // No answer at all (offline, server down, aborted by destroy): the file waits for the connection.
      if (this.inFlight.delete(upload) && !controller.signal.aborted) this.wait(upload, true)
      return
    }
    this.inFlight.delete(upload)
    if (controller.signal.aborted) return
    if (response.status === 201) {
      const url = await response.json().then((body: { url?: unknown }) => body.url, () => undefined)
      this.attempts.delete(upload)
      if (typeof url === 'string') this.place(upload, url)
      else upload.show('failed', this.messages.uploadHadNoAddress)
    } else if (response.status >= 500 || response.status === 429) {
      // A passing state of the server (overloaded, restarting): the same bytes are worth sending again.
      this.wait(upload, true)
    } else {
      upload.show('failed', await refusalReason(response))
    }
  }

  /** Puts the image where the placeholder is now, in place of it; nothing if the placeholder's text was deleted. */
  private place(upload: Upload, url: string): void {
    const view = this.view
    const pos = this.positionOf(upload)
    if (!view || pos === null) {
      this.release(upload)
      return
    }
    const tr: Transaction = view.state.tr.setMeta(uploadsKey, { remove: upload } satisfies UploadsAction)
    const $pos = view.state.doc.resolve(pos)
    const image = schema.nodes.image!.create({ src: url })
    if ($pos.parent.inlineContent) tr.insert(pos, image)
    else tr.insert(pos, schema.nodes.paragraph!.create(null, image))
    view.dispatch(tr)
    this.release(upload)
  }

  private release(upload: Upload): void {
    this.unplaced.delete(upload)
    upload.release()
  }

  private wait(upload: Upload, isServerUnreachable: boolean): void {
    upload.show('waiting')
    const attempt = (this.attempts.get(upload) ?? 0) + 1
    this.attempts.set(upload, attempt)
    // Offline, the online event brings it back; online but unanswered, a backoff does too.
    const delay = Math.min(RETRY.maxDelayMs, RETRY.initialDelayMs * 2 ** (attempt - 1))
    const timer = isServerUnreachable && this.window.navigator.onLine !== false
      ? setTimeout(() => void this.send(upload), delay)
      : null
    this.waiting.set(upload, timer)
  }

  private clearWait(upload: Upload): void {
    const timer = this.waiting.get(upload)
    if (timer) clearTimeout(timer)
    this.waiting.delete(upload)
  }

  private drop(upload: Upload): void {
    this.clearWait(upload)
    this.inFlight.get(upload)?.abort()
    this.inFlight.delete(upload)
    this.attempts.delete(upload)
    if (this.view) this.view.dispatch(this.view.state.tr.setMeta(uploadsKey, { remove: upload } satisfies UploadsAction))
    this.release(upload)
  }

  private readonly onOnline = () => {
    for (const upload of [...this.waiting.keys()]) void this.send(upload)
  }

  destroy(): void {
    this.window.removeEventListener('online', this.onOnline)
    for (const upload of [...this.unplaced]) {
      this.clearWait(upload)
      this.inFlight.get(upload)?.abort()
      this.release(upload)
    }
    this.inFlight.clear()
  }
}

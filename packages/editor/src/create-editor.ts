/**
 * `createEditor`: one collaborative editor in one element. The path of a
 * keystroke is ProseMirror -> y-prosemirror -> Y.Doc -> y-websocket provider
 * -> server, with IndexedDB keeping a local copy on the side. This module
 * wires those pieces and owns everything they leave running, so that
 * `destroy()` can take it all down again.
 */
import { shouldReconnect } from '@ortak/protocol'
import { documentFragmentName, schema } from '@ortak/schema'
import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import type { Node } from 'prosemirror-model'
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { ySyncPlugin, yCursorPlugin, yUndoPlugin, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { buildCursor, buildSelection } from './cursors.js'
import { markdownInputRules } from './input-rules.js'
import { editorKeymaps } from './keymap.js'
import { OfflineCopy } from './offline-copy.js'
import { PresenceWatcher, renderPresence, type Person } from './presence.js'
import { ReconnectSchedule } from './reconnect.js'
import { SaveTracker } from './save-tracker.js'
import { richContent } from './rich-content.js'
import { renderStatus, sameStatus, type EditorStatus, type StatusElements } from './status.js'
import { handleStoredAcks, ledgerWebSocket } from './stored-acks.js'
import { useEditorStyles } from './styles.js'
import { toolbarPlugin } from './toolbar.js'
import { UnknownContentWatch } from './unknown-content-watch.js'
import { checkUser, type User } from './user.js'

export interface EditorOptions {
  /** The server's WebSocket endpoint for rooms, e.g. `wss://ortak.example.com/ws` (http(s) and relative URLs are converted). */
  url: string
  /** The document to open; any non-empty name. */
  room: string
  /** Who is typing, shown to others on the caret and in the presence list. `color` is `#rrggbb`. */
  user: User
  /** Sent to the server as the `token` connection parameter, for servers that require one. */
  token?: string
  /** Keep a copy in IndexedDB so offline edits survive a reload (default `true`). */
  offline?: boolean
}

export interface EditorEvents {
  status: (status: EditorStatus) => void
  presence: (people: Person[]) => void
}

/** A mounted editor. */
export interface OrtakEditor {
  readonly view: EditorView
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  readonly awareness: Awareness
  readonly status: EditorStatus
  /** Everyone in the document, this editor's user first. */
  readonly people: Person[]
  /** Listens for status or presence changes; returns the function that stops listening. */
  on<E extends keyof EditorEvents>(event: E, listener: EditorEvents[E]): () => void
  /** Changes the name or colour others see. */
  setUser(user: User): void
  /** Unmounts the editor and stops its socket, listeners and timers. The offline copy stays in IndexedDB. */
  destroy(): void
}

const RECONNECT = { initialDelayMs: 500, maxDelayMs: 5_000 }

/** Resolves the server URL given by the page into the WebSocket URL y-websocket needs. */
function webSocketUrl(url: string, document: Document): string {
  let parsed: URL
  try {
    parsed = new URL(url, document.baseURI)
  } catch {
    throw new RangeError(`url is not a valid URL: ${JSON.stringify(url)}`)
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new RangeError(`url must be a ws:, wss:, http: or https: URL, got ${JSON.stringify(url)}`)
  }
  return parsed.href.replace(/\/+$/, '')
}

function skeleton(document: Document): { root: HTMLElement; toolbar: HTMLElement; presence: HTMLElement; status: StatusElements; surface: HTMLElement } {
  const root = document.createElement('div')
  root.className = 'ortak-editor'
  root.innerHTML = '<div class="ortak-bar"><div class="ortak-toolbar"></div><div class="ortak-meta">'
    + '<ul class="ortak-presence"></ul>'
    // The connection and the read-only note are live regions, not "Saving…"/"Saved": it flips with every keystroke
    // and would drown a screen reader.
    + '<div class="ortak-status"><span class="ortak-status-dot" aria-hidden="true"></span>'
    + '<span class="ortak-status-connection" role="status"></span><span class="ortak-status-save"></span></div>'
    + '</div><p class="ortak-status-note" role="status"></p></div><div class="ortak-surface"></div>'
  const find = (selector: string) => root.querySelector<HTMLElement>(selector)!
  return {
    root, toolbar: find('.ortak-toolbar'), presence: find('.ortak-presence'), surface: find('.ortak-surface'),
    status: { line: find('.ortak-status'), note: find('.ortak-status-note') },
  }
}

/** Mounts a collaborative editor for `options.room` inside `element`. */
export function createEditor(element: HTMLElement, options: EditorOptions): OrtakEditor {
  const document = element.ownerDocument
  const window = document.defaultView!
  const url = webSocketUrl(options.url, document)
  if (typeof options.room !== 'string' || options.room === '') throw new RangeError('room must be a non-empty string')
  const room = options.room
  let user = checkUser(options.user)

  const releaseStyles = useEditorStyles(document)
  const dom = skeleton(document)
  element.append(dom.root)

  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment(documentFragmentName)
  // Before the view binds y-prosemirror to the fragment, so that it hears every change first.
  const unknownContent = new UnknownContentWatch(fragment, () => openReadOnly())
  const tracker = new SaveTracker()
  const offlineCopy = options.offline !== false && typeof window.indexedDB !== 'undefined'
    ? new OfflineCopy(`ortak:${url}/${room}`, doc)
    : null
  // Registered before the provider's own listener, so a change is counted before the message carrying it is sent.
  let providerOrigin: WebsocketProvider | null = null
  let isAwaitingOfflineCopy = offlineCopy !== null
  doc.on('update', (_update: Uint8Array, origin: unknown) => {
    // From the server: stored already.
    if (origin === providerOrigin) return
    // The offline copy merged at start-up is counted from its own record of what was unsaved.
    if (origin === offlineCopy?.persistence && isAwaitingOfflineCopy) return
    tracker.localChange()
  })

  const awareness = new Awareness(doc)
  awareness.setLocalStateField('user', user)

  let refusal: string | undefined
  let hasLostConnection = false
  let isDestroyed = false
  const listeners: { [E in keyof EditorEvents]: Set<EditorEvents[E]> } = { status: new Set(), presence: new Set() }

  const provider = new WebsocketProvider(url, encodeURIComponent(room), doc, {
    connect: false,
    awareness,
    params: options.token === undefined ? { ack: '1' } : { ack: '1', token: options.token },
    WebSocketPolyfill: ledgerWebSocket(tracker, window.WebSocket),
    // y-websocket's retry has no jitter: every close that comes from the server is handed to `reconnect`
    // instead (shouldReconnect answers false), and y-websocket's own timer, still armed on every close,
    // is made to fire at once and do nothing.
    maxBackoffTime: 0,
    shouldReconnect: (event) => {
      if (!shouldReconnect(event.code)) refusal = event.reason
      else reconnect.retryLater()
      return false
    },
  })
  providerOrigin = provider
  handleStoredAcks(provider)
  const reconnect = new ReconnectSchedule(() => provider.connect(), RECONNECT)

  const currentStatus = (): EditorStatus => {
    const unsavedChanges = tracker.unsavedChanges
    const connection = provider.wsconnected && provider.synced ? 'online' : hasLostConnection || refusal !== undefined ? 'offline' : 'connecting'
    return {
      connection, unsavedChanges, isSaved: unsavedChanges === 0,
      ...(refusal === undefined ? {} : { refusal }),
      ...(unknownContent.found === null ? {} : { unshownContent: unknownContent.found }),
    }
  }
  let lastStatus = currentStatus()
  const statusMayHaveChanged = () => {
    if (isDestroyed) return
    const next = currentStatus()
    if (sameStatus(next, lastStatus)) return
    lastStatus = next
    renderStatus(dom.status, next)
    for (const listener of listeners.status) listener(next)
  }
  renderStatus(dom.status, lastStatus)

  provider.on('sync', (isSynced: boolean) => {
    if (isSynced) {
      hasLostConnection = false
      reconnect.succeeded()
    }
    statusMayHaveChanged()
  })
  provider.on('connection-close', () => {
    hasLostConnection = true
    statusMayHaveChanged()
  })
  provider.on('status', statusMayHaveChanged)
  tracker.onChange(() => {
    offlineCopy?.rememberUnsaved(tracker.unsavedChanges)
    statusMayHaveChanged()
  })

  // Connect only once the offline copy is merged: then the first sync step 2 carries the offline edits too.
  let hasStarted = false
  const start = () => {
    if (isDestroyed) return
    hasStarted = true
    provider.connect()
  }
  if (offlineCopy) void offlineCopy.loaded.then((unsavedBefore) => {
    // Had the copy not opened in time, its late merge now counts as an unsaved change like any other.
    isAwaitingOfflineCopy = false
    if (isDestroyed) return
    tracker.addUnsavedFromEarlierSession(unsavedBefore)
    start()
  })
  else start()

  // The browser knows before our backoff does when the network is back.
  const onBrowserOnline = () => {
    if (hasStarted && refusal === undefined && !provider.wsconnected && !provider.wsconnecting) reconnect.retryNow()
  }
  window.addEventListener('online', onBrowserOnline)

  const presence = new PresenceWatcher(awareness, (people) => {
    renderPresence(dom.presence, people)
    for (const listener of listeners.presence) listener(people)
  })
  renderPresence(dom.presence, presence.people)

  const rich = richContent(dom.toolbar, { webSocketUrl: url, room, token: options.token }, window)
  const toolbar = toolbarPlugin(dom.toolbar, [rich.toolbarGroup])
  // What the editor shows of a document holding content it cannot show: read from a copy, since
  // y-prosemirror deletes what it cannot read; nothing here writes to the shared document.
  const readOnlyState = () => EditorState.create({ schema, doc: readableCopy(doc), plugins: [toolbar.plugin] })
  const showChangesReadOnly = () => {
    const shown = readableCopy(doc)
    view.dispatch(view.state.tr.replaceWith(0, view.state.doc.content.size, shown.content))
  }
  // Called by the watch inside the Yjs change that brought the content, before y-prosemirror hears of it:
  // the new state drops ySyncPlugin, whose view (and binding) is destroyed as the state is set, and the
  // view's `editable` now answers false.
  const openReadOnly = () => {
    // Before the view exists (a change arriving while it is set up), the view starts read-only.
    if (isDestroyed || !isViewMounted) return
    view.updateState(readOnlyState())
    fragment.observeDeep(showChangesReadOnly)
    statusMayHaveChanged()
  }
  let isViewMounted = false
  const view: EditorView = new EditorView({ mount: dom.surface }, {
    state: unknownContent.found !== null ? readOnlyState() : EditorState.create({
      schema,
      plugins: [
        ySyncPlugin(fragment),
        yCursorPlugin(awareness, { cursorBuilder: buildCursor, selectionBuilder: buildSelection }),
        yUndoPlugin(),
        markdownInputRules(),
        ...rich.plugins,
        ...editorKeymaps(toolbar.openLinkEditor),
        dropCursor(),
        gapCursor(),
        toolbar.plugin,
      ],
    }),
    attributes: { class: 'ortak-prose', 'aria-label': `Document ${room}`, 'aria-multiline': 'true', role: 'textbox' },
    editable: () => unknownContent.found === null,
    // y-prosemirror batches cursor updates into a zero-delay timer that can fire after destroy()
    // (its "binding destroyed" check reads a flag it never sets); a destroyed view must not take them.
    dispatchTransaction(this: EditorView, transaction) {
      if (!isDestroyed) this.updateState(this.state.apply(transaction))
    },
  })
  isViewMounted = true
  if (unknownContent.found !== null) fragment.observeDeep(showChangesReadOnly)

  return {
    view,
    doc,
    provider,
    awareness,
    get status() {
      return currentStatus()
    },
    get people() {
      return presence.people
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },
    setUser(next) {
      user = checkUser(next)
      awareness.setLocalStateField('user', user)
    },
    destroy() {
      if (isDestroyed) return
      isDestroyed = true
      listeners.status.clear()
      listeners.presence.clear()
      window.removeEventListener('online', onBrowserOnline)
      reconnect.destroy()
      presence.destroy()
      unknownContent.destroy()
      fragment.unobserveDeep(showChangesReadOnly)
      view.destroy()
      rich.destroy()
      // Tells the others we left (awareness removal), closes the socket, clears the provider's intervals.
      provider.destroy()
      awareness.destroy()
      void offlineCopy?.destroy()
      doc.destroy()
      dom.root.remove()
      releaseStyles()
    },
  }
}

/** The document as the schema reads it, from a copy of `doc`: y-prosemirror deletes what it cannot read. */
function readableCopy(doc: Y.Doc): Node {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  try {
    const read = yXmlFragmentToProseMirrorRootNode(copy.getXmlFragment(documentFragmentName), schema)
    return read.childCount > 0 ? read : schema.topNodeType.createAndFill()!
  } catch {
    // Content y-prosemirror cannot even read past (text or a hook outside any block): show nothing rather than fail.
    return schema.topNodeType.createAndFill()!
  } finally {
    copy.destroy()
  }
}

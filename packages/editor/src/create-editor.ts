/**
 * `createEditor`: one collaborative editor in one element. The path of a
 * keystroke is ProseMirror -> y-prosemirror -> Y.Doc -> y-websocket provider
 * -> server, with IndexedDB keeping a local copy on the side. This module
 * wires those pieces and owns everything they leave running, so that
 * `destroy()` can take it all down again.
 */
import { CLOSE_TOKEN_INVALID, shouldReconnect } from '@ortak/protocol'
import { documentFragmentName, documentToMarkdown, schema } from '@ortak/schema'
import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import type { Node } from 'prosemirror-model'
import { EditorState, Plugin } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { ySyncPlugin, ySyncPluginKey, yCursorPlugin, yUndoPlugin, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { tokenPermission } from './access-token.js'
import { DebouncedChange, documentHtml, documentJson, type DocumentJSON } from './content-out.js'
import { cursorBuilders } from './cursors.js'
import { markdownInputRules } from './input-rules.js'
import { editorKeymaps } from './keymap.js'
import { OfflineCopy } from './offline-copy.js'
import { HistoryPanel } from './history-panel.js'
import { fill, languageShown, messagesFor, type Messages } from './messages.js'
import { placeholderPlugin } from './placeholder.js'
import { PresenceWatcher, type Person } from './presence.js'
import { PresenceList } from './presence-list.js'
import { ReconnectSchedule } from './reconnect.js'
import { SaveTracker } from './save-tracker.js'
import { richContent } from './rich-content.js'
import { renderStatus, sameStatus, type EditorMode, type EditorStatus, type StatusElements } from './status.js'
import { handleStoredAcks, ledgerWebSocket } from './stored-acks.js'
import { useEditorStyles } from './styles.js'
import { checkToolbarChoice, toolbarPlugin, type ToolbarChoice } from './toolbar.js'
import { UnknownContentWatch } from './unknown-content-watch.js'
import { checkUser, freeColor, randomUser, type User, type UserOptions } from './user.js'
import { VersionsClient, versionsUrl } from './versions-client.js'

export interface EditorOptions {
  /** The server's WebSocket endpoint for rooms, e.g. `wss://ortak.example.com/ws` (http(s) and relative URLs are converted). */
  url: string
  /** The document to open; any non-empty name. */
  room: string
  /**
   * Who is typing, shown to others on the caret and in the presence list. `color` is `#rrggbb`; without
   * it the editor picks one that nobody in the room wears yet.
   */
  user: UserOptions
  /** Sent to the server as the `token` connection parameter, for servers that require one. */
  token?: string
  /**
   * Instead of `token`: called before every connection, and again when the server refuses a token as
   * expired (4401), so that an editor left open renews its token. A rejection is retried with backoff.
   */
  getToken?: () => Promise<string>
  /** `edit` (the default) or `read`: the document live, with the others' carets, never changed from here. */
  mode?: EditorMode
  /** Keep a copy in IndexedDB so offline edits survive a reload (default `true`; not for an editor opened in read mode). */
  offline?: boolean
  // How the editor looks and speaks.
  /** `light`, `dark`, or `auto` (default): follow the system's colour scheme. */
  theme?: Theme
  /** Which toolbar buttons to show: all (`true`, default), none (`false`), or the ones named, in the toolbar's order. */
  toolbar?: ToolbarChoice
  /** Shown in an empty document (default: the language's "Start writing…"; `''` shows nothing). Never stored. */
  placeholder?: string
  /** The language of the editor's words, a BCP 47 tag; `en` and `tr` ship. Default: the `lang` around `element`, else English. */
  lang?: string
  /** The page's own words, over those of `lang` (what it leaves out comes from there); see `Messages`. */
  messages?: Partial<Messages>
}

export type Theme = 'light' | 'dark' | 'auto'
const themes: readonly unknown[] = ['light', 'dark', 'auto'] satisfies Theme[]

export interface EditorEvents {
  status: (status: EditorStatus) => void
  presence: (people: Person[]) => void
  /** The document changed (here or elsewhere) and has then stayed as it is for a moment: read it now. */
  change: (json: DocumentJSON) => void
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
  /** This editor's user as others see it, with the colour picked for it when the page gave none. */
  readonly user: User
  /** Listens for status, presence or document changes; returns the function that stops listening. */
  on<E extends keyof EditorEvents>(event: E, listener: EditorEvents[E]): () => void
  /** Changes the name or colour others see; without `color`, the current colour stays. */
  setUser(user: UserOptions): void
  /** Switches between editing and reading, on the same connection. A read-only token keeps it in `read`. */
  setMode(mode: EditorMode): void
  /** The document as ProseMirror JSON. */
  getJSON(): DocumentJSON
  /** The document as an HTML fragment, as the server's HTML export writes it. */
  getHTML(): string
  /** The document as CommonMark (with `~~strikethrough~~`), as the server's Markdown export writes it. */
  getMarkdown(): string
  /** Unmounts the editor and stops its socket, listeners and timers. The offline copy stays in IndexedDB. */
  destroy(): void
}

const RECONNECT = { initialDelayMs: 500, maxDelayMs: 5_000 }
/** How long the document must stay unchanged before `change` fires. */
const CHANGE_DELAY_MS = 250
/**
 * Tokens from `getToken` the server may refuse as expired or invalid in a row before the editor gives up:
 * a fresh token refused again means the app's token service and the server disagree (clock, key).
 */
const MAX_REFUSED_TOKENS = 3

function checkMode(mode: unknown): EditorMode {
  if (mode !== 'edit' && mode !== 'read') throw new RangeError(`mode must be "edit" or "read", got ${JSON.stringify(mode)}`)
  return mode
}

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

/** How the editor is to look and speak, checked: a RangeError names what it cannot take. */
function lookAndWords(element: HTMLElement, options: EditorOptions) {
  if (options.theme !== undefined && !themes.includes(options.theme)) {
    throw new RangeError(`theme must be light, dark or auto, got ${JSON.stringify(options.theme)}`)
  }
  const toolbarChoice = checkToolbarChoice(options.toolbar)
  const lang = options.lang ?? element.closest('[lang]')?.getAttribute('lang') ?? undefined
  const messages = messagesFor(lang, options.messages)
  const placeholder = options.placeholder ?? messages.placeholder
  if (typeof placeholder !== 'string') throw new RangeError(`placeholder must be a string, got ${JSON.stringify(placeholder)}`)
  return { theme: options.theme ?? 'auto', toolbarChoice, messages, lang: languageShown(lang, options.messages), placeholder }
}

function skeleton(document: Document): { root: HTMLElement; toolbar: HTMLElement; people: HTMLElement; status: StatusElements; surface: HTMLElement } {
  const root = document.createElement('div')
  root.className = 'ortak-editor'
  root.innerHTML = '<div class="ortak-bar"><div class="ortak-toolbar-frame"></div><div class="ortak-meta">'
    + '<div class="ortak-people"></div>'
    // The connection and the read-only note are live regions, not "Saving…"/"Saved": it flips with every keystroke
    // and would drown a screen reader.
    + '<div class="ortak-status"><span class="ortak-status-dot" aria-hidden="true"></span>'
    + '<span class="ortak-status-connection" role="status"></span><span class="ortak-status-save"></span></div>'
    + '</div><p class="ortak-status-note" role="status"></p></div><div class="ortak-surface"></div>'
  const find = (selector: string) => root.querySelector<HTMLElement>(selector)!
  return {
    root, toolbar: find('.ortak-toolbar-frame'), people: find('.ortak-people'), surface: find('.ortak-surface'),
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
  if (options.token !== undefined && options.getToken !== undefined) throw new RangeError('give either token or getToken, not both')
  if (options.getToken !== undefined && typeof options.getToken !== 'function') throw new RangeError('getToken must be a function returning a promise of a token')
  let requestedMode = checkMode(options.mode ?? 'edit')
  let token = options.token
  const hasReadOnlyAccess = () => token !== undefined && tokenPermission(token) === 'read'
  const isReadMode = () => requestedMode === 'read' || hasReadOnlyAccess()
  const given = checkUser(options.user)
  // A colour the page did not choose is provisional until the room's awareness shows which are free.
  let isColorChosen = given.color !== undefined
  let user: User = { name: given.name, color: given.color ?? randomUser().color }
  const { theme, toolbarChoice, messages, lang, placeholder } = lookAndWords(element, options)

  const releaseStyles = useEditorStyles(document)
  const dom = skeleton(document)
  dom.root.dataset.theme = theme
  dom.root.lang = lang
  element.append(dom.root)

  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment(documentFragmentName)
  // Before the view binds y-prosemirror to the fragment, so that it hears every change first.
  const unknownContent = new UnknownContentWatch(fragment, () => openReadOnly())
  const tracker = new SaveTracker()
  // Not for an editor opened to read: unsaved edits kept from an earlier session would go out in its first sync
  // (and a read token's connection is closed for them); they stay in IndexedDB for the next editor that edits.
  const offlineCopy = options.offline !== false && !isReadMode() && typeof window.indexedDB !== 'undefined'
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
  let refusedTokens = 0
  const listeners: { [E in keyof EditorEvents]: Set<EditorEvents[E]> } = { status: new Set(), presence: new Set(), change: new Set() }

  const provider = new WebsocketProvider(url, encodeURIComponent(room), doc, {
    connect: false,
    awareness,
    params: token === undefined ? { ack: '1' } : { ack: '1', token },
    WebSocketPolyfill: ledgerWebSocket(tracker, window.WebSocket),
    // No BroadcastChannel between editors of one browser: y-websocket sends every awareness change it hears
    // to its server, so a state heard from another tab would reach the server on this connection and be
    // stamped with this connection's user (server/src/auth/awareness-identity.ts). The server relays all.
    disableBc: true,
    // y-websocket's retry has no jitter: every close that comes from the server is handed to `reconnect`
    // instead (shouldReconnect answers false), and y-websocket's own timer, still armed on every close,
    // is made to fire at once and do nothing.
    maxBackoffTime: 0,
    shouldReconnect: (event) => {
      // An expired token is what getToken is for: the next connection asks it for a new one.
      const isRenewable = event.code === CLOSE_TOKEN_INVALID && options.getToken !== undefined && ++refusedTokens < MAX_REFUSED_TOKENS
      if (!isRenewable && !shouldReconnect(event.code)) refusal = event.reason
      else reconnect.retryLater()
      return false
    },
  })
  providerOrigin = provider
  handleStoredAcks(provider)

  const useToken = (next: string) => {
    const wasReadMode = isReadMode()
    token = next
    provider.params = { ...provider.params, token }
    if (isReadMode() !== wasReadMode) modeMayHaveChanged()
  }
  // Every connection, the first and each retry, goes through here, so that it carries a fresh token from getToken.
  let tokenRequest = 0
  const connect = () => {
    const getToken = options.getToken
    if (getToken === undefined) return provider.connect()
    const request = ++tokenRequest
    void Promise.resolve().then(getToken).then((fresh) => {
      if (isDestroyed || request !== tokenRequest) return
      if (typeof fresh !== 'string' || fresh === '') throw new TypeError(`getToken resolved to ${JSON.stringify(fresh)}, not a token`)
      useToken(fresh)
      provider.connect()
    }).catch((error: unknown) => {
      if (isDestroyed || request !== tokenRequest) return
      console.error('ortak editor: getToken failed; trying again shortly', error)
      hasLostConnection = true
      reconnect.retryLater()
      statusMayHaveChanged()
    })
  }
  const reconnect = new ReconnectSchedule(connect, RECONNECT)

  const currentStatus = (): EditorStatus => {
    const unsavedChanges = tracker.unsavedChanges
    const connection = provider.wsconnected && provider.synced ? 'online' : hasLostConnection || refusal !== undefined ? 'offline' : 'connecting'
    return {
      connection, unsavedChanges, isSaved: unsavedChanges === 0,
      mode: isReadMode() || unknownContent.found !== null ? 'read' : 'edit',
      ...(hasReadOnlyAccess() ? { hasReadOnlyAccess: true as const } : {}),
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
    renderStatus(dom.status, next, messages)
    for (const listener of listeners.status) listener(next)
  }
  renderStatus(dom.status, lastStatus, messages)

  provider.on('sync', (isSynced: boolean) => {
    if (isSynced) {
      hasLostConnection = false
      refusedTokens = 0
      reconnect.succeeded()
      pickFreeColor()
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
    connect()
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

  const presenceList = new PresenceList(dom.people, dom.root, messages)
  const presence = new PresenceWatcher(awareness, messages.guest, (people) => {
    presenceList.show(people)
    for (const listener of listeners.presence) listener(people)
  })
  presenceList.show(presence.people)

  // Once connected, the room's awareness says which colours the others wear; asked once, so a colour never changes under a user.
  function pickFreeColor() {
    if (isColorChosen) return
    isColorChosen = true
    const taken = [...awareness.getStates()].filter(([clientId]) => clientId !== awareness.clientID)
      .map(([, state]) => (state.user as Partial<User> | undefined)?.color).filter((color) => typeof color === 'string')
    const color = freeColor(taken, user.color)
    if (color === user.color) return
    user = { ...user, color }
    awareness.setLocalStateField('user', user)
  }

  // The token as it is now: getToken renews it, and uploads and pictures take the current one.
  const rich = richContent(dom.toolbar, { webSocketUrl: url, room, messages, get token() { return token } }, window)
  // Pictures in the views that have no rich-content plugins: the read-only one and a version's diff.
  const pictures = rich.pictureViews
  // Version history over the HTTP API of the same server, with the same token.
  const history = new HistoryPanel(document, {
    client: new VersionsClient(versionsUrl(url, room), {
      token: () => token,
      ...(options.getToken ? { renewToken: async () => useToken(await options.getToken!()) } : {}),
    }),
    messages, lang, view: () => view, isEditable: () => isEditable(), pictures,
    whenStored: (timeoutMs) => whenStored(tracker, timeoutMs),
  })
  // In the bar, which stays in view while the page scrolls, below the toolbar and the status line.
  dom.toolbar.parentElement!.append(history.element)
  const toolbar = toolbarPlugin(dom.toolbar, {
    buttons: toolbarChoice, messages, extraGroups: [rich.toolbarGroup], openHistory: () => history.toggle(),
  })
  // What the editor shows of a document holding content it cannot show: read from a copy, since
  // y-prosemirror deletes what it cannot read; nothing here writes to the shared document.
  const readOnlyState = () => EditorState.create({
    schema, doc: readableCopy(doc), plugins: [toolbar.plugin, new Plugin({ props: { nodeViews: pictures } })],
  })
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
    showMode()
    history.modeChanged()
    statusMayHaveChanged()
  }
  let isViewMounted = false
  // Read mode's guarantee, whatever calls dispatch: only y-prosemirror's rendering of the shared document changes it.
  const readModeGuard = new Plugin({
    filterTransaction: (tr) => !tr.docChanged || !isReadMode() || tr.getMeta(ySyncPluginKey)?.isChangeOrigin === true,
  })
  const changes = new DebouncedChange(CHANGE_DELAY_MS, () => {
    const json = documentJson(view.state.doc)
    for (const listener of listeners.change) listener(json)
  })
  const isEditable = () => unknownContent.found === null && !isReadMode()
  // On the root, for styles (a toolbar hidden while reading, say).
  const showMode = () => void (dom.root.dataset.mode = isEditable() ? 'edit' : 'read')
  function modeMayHaveChanged() {
    showMode()
    history.modeChanged()
    // The view reads `editable` again, and the toolbar (a plugin view) disables its buttons with it.
    if (isViewMounted) view.setProps({ editable: isEditable })
    statusMayHaveChanged()
  }
  const view: EditorView = new EditorView({ mount: dom.surface }, {
    state: unknownContent.found !== null ? readOnlyState() : EditorState.create({
      schema,
      plugins: [
        ySyncPlugin(fragment),
        yCursorPlugin(awareness, cursorBuilders(messages)),
        yUndoPlugin(),
        markdownInputRules(),
        ...rich.plugins,
        ...editorKeymaps(toolbar.openLinkEditor),
        dropCursor(),
        gapCursor(),
        toolbar.plugin,
        readModeGuard,
        placeholderPlugin(placeholder),
      ],
    }),
    attributes: { class: 'ortak-prose', 'aria-label': fill(messages.documentLabel, { room }), 'aria-multiline': 'true', role: 'textbox' },
    editable: isEditable,
    // y-prosemirror batches cursor updates into a zero-delay timer that can fire after destroy()
    // (its "binding destroyed" check reads a flag it never sets); a destroyed view must not take them.
    dispatchTransaction(this: EditorView, transaction) {
      if (isDestroyed) return
      this.updateState(this.state.apply(transaction))
      if (transaction.docChanged) changes.changed()
    },
  })
  isViewMounted = true
  showMode()
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
    get user() {
      return user
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },
    setUser(next) {
      const checked = checkUser(next)
      if (checked.color !== undefined) isColorChosen = true
      user = { name: checked.name, color: checked.color ?? user.color }
      awareness.setLocalStateField('user', user)
    },
    setMode(mode) {
      requestedMode = checkMode(mode)
      modeMayHaveChanged()
    },
    getJSON: () => documentJson(view.state.doc),
    getHTML: () => documentHtml(view.state.doc, document),
    getMarkdown: () => documentToMarkdown(view.state.doc, document),
    destroy() {
      if (isDestroyed) return
      isDestroyed = true
      listeners.status.clear()
      listeners.presence.clear()
      listeners.change.clear()
      changes.destroy()
      window.removeEventListener('online', onBrowserOnline)
      reconnect.destroy()
      presence.destroy()
      presenceList.destroy()
      unknownContent.destroy()
      fragment.unobserveDeep(showChangesReadOnly)
      history.destroy()
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

/** Resolves true once the server has stored every change made here, false after `timeoutMs` if it has not. */
function whenStored(tracker: SaveTracker, timeoutMs: number): Promise<boolean> {
  if (tracker.unsavedChanges === 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const settle = (isStored: boolean) => {
      clearTimeout(timer)
      stop()
      resolve(isStored)
    }
    const timer = setTimeout(() => settle(false), timeoutMs)
    const stop = tracker.onChange(() => {
      if (tracker.unsavedChanges === 0) settle(true)
    })
  })
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

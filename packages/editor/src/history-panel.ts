/**
 * The history panel the toolbar's History button opens, at the foot of the
 * editor's bar (so it stays in view over the text): the room's versions newest first (time, name, authors), "Save
 * version…", and, for the version chosen, what it changed since the one
 * before (version-diff.ts) with "Restore this version" (version-restore.ts).
 * Saving and restoring are offered only while editing.
 */
import type { EditorView, NodeViewConstructor } from 'prosemirror-view'
import { fill, type Messages } from './messages.js'
import { colouredAuthors, renderVersionDiff, unknownAuthorColor, type VersionDiff } from './version-diff.js'
import { RestoreError, restoreVersion, STORE_TIMEOUT_MS } from './version-restore.js'
import type { Version, VersionAuthor, VersionsClient } from './versions-client.js'

export interface HistoryHost {
  client: VersionsClient
  messages: Messages
  /** The language the editor speaks, for dates. */
  lang: string
  /** The live editor's view, which a restore changes. */
  view: () => EditorView
  /** Whether this user may change the document here now (not reading, not read-only). */
  isEditable: () => boolean
  whenStored(timeoutMs: number): Promise<boolean>
  /** How a version's diff shows pictures: as the editor does, a room's files with the token (images.ts). */
  pictures: { image: NodeViewConstructor }
}

const PAGE_SIZE = 50

export class HistoryPanel {
  readonly element: HTMLElement
  private readonly list: HTMLOListElement
  private readonly message: HTMLElement
  private readonly saveForm: HTMLFormElement
  private readonly saveInput: HTMLInputElement
  private readonly older: HTMLButtonElement
  private readonly detail: HTMLElement
  private readonly diffMount: HTMLElement
  private readonly versions: Version[] = []
  private next: number | null = null
  private chosen: Version | null = null
  private diff: VersionDiff | null = null
  /** Bumped by every load of the list, and of a diff, so that an answer to an older request is dropped. */
  private listGeneration = 0
  private diffGeneration = 0
  private isDestroyed = false

  constructor(document: Document, private readonly host: HistoryHost) {
    const m = host.messages
    const element = this.element = document.createElement('section')
    element.className = 'ortak-history'
    element.hidden = true
    element.setAttribute('aria-label', m.history)
    element.innerHTML = '<div class="ortak-history-head"><span class="ortak-history-title"></span>'
      + '<button type="button" class="ortak-text-button" data-action="save"></button>'
      + '<button type="button" class="ortak-text-button" data-action="close"></button></div>'
      + '<form class="ortak-history-save" hidden><input type="text" maxlength="200">'
      + '<button type="submit" class="ortak-text-button"></button></form>'
      + '<p class="ortak-history-message" role="status"></p>'
      + '<ol class="ortak-history-list"></ol><button type="button" class="ortak-text-button" data-action="older" hidden></button>'
      + '<div class="ortak-history-version" hidden><p class="ortak-history-version-title"></p>'
      + '<ul class="ortak-history-legend"></ul><div class="ortak-history-diff"></div>'
      + '<button type="button" class="ortak-text-button" data-action="restore"></button></div>'
    const find = <T extends HTMLElement>(selector: string) => element.querySelector<T>(selector)!
    find('.ortak-history-title').textContent = m.history
    find('[data-action=save]').textContent = m.saveVersion
    find('[data-action=close]').textContent = m.closeHistory
    find('[data-action=restore]').textContent = m.restoreVersion
    this.saveForm = find('.ortak-history-save')
    this.saveInput = find('.ortak-history-save input')
    this.saveInput.setAttribute('aria-label', m.versionName)
    this.saveInput.placeholder = m.versionName
    find('.ortak-history-save button').textContent = m.saveVersionApply
    this.list = find('.ortak-history-list')
    this.message = find('.ortak-history-message')
    this.older = find('[data-action=older]')
    this.older.textContent = m.olderVersions
    this.detail = find('.ortak-history-version')
    this.diffMount = find('.ortak-history-diff')
    element.addEventListener('click', this.onClick)
    element.addEventListener('keydown', this.onKeydown)
    this.saveForm.addEventListener('submit', this.onSave)
  }

  get isOpen(): boolean {
    return !this.element.hidden
  }

  toggle(): void {
    if (this.isOpen) this.close()
    else this.open()
  }

  open(): void {
    this.element.hidden = false
    this.modeChanged()
    void this.reload()
  }

  close(): void {
    this.element.hidden = true
    this.saveForm.hidden = true
    this.showVersion(null)
    this.host.view().focus()
  }

  /** Hides what only an editor may do when the editor switches to reading (and shows it again). */
  modeChanged(): void {
    const isEditable = this.host.isEditable()
    for (const action of ['save', 'restore']) this.element.querySelector<HTMLElement>(`[data-action=${action}]`)!.hidden = !isEditable
    if (!isEditable) this.saveForm.hidden = true
  }

  /** Loads the newest page again, keeping the chosen version shown. */
  async reload(): Promise<void> {
    const generation = ++this.listGeneration
    this.say(this.host.messages.loadingVersions)
    try {
      const page = await this.host.client.list(PAGE_SIZE)
      if (generation !== this.listGeneration || this.isDestroyed) return
      this.versions.length = 0
      this.append(page.versions, page.next)
      this.say(page.versions.length === 0 ? this.host.messages.noVersions : '')
    } catch (error) {
      if (generation === this.listGeneration) this.fail(error)
    }
  }

  private async loadOlder(): Promise<void> {
    if (this.next === null) return
    const generation = this.listGeneration
    try {
      const page = await this.host.client.list(PAGE_SIZE, this.next)
      if (generation === this.listGeneration && !this.isDestroyed) this.append(page.versions, page.next)
    } catch (error) {
      this.fail(error)
    }
  }

  private append(versions: Version[], next: number | null): void {
    this.versions.push(...versions)
    this.next = next
    this.older.hidden = next === null
    const document = this.element.ownerDocument
    this.list.replaceChildren(...this.versions.map((version) => {
      const item = document.createElement('li')
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'ortak-history-item'
      button.dataset.version = String(version.id)
      if (version.id === this.chosen?.id) button.setAttribute('aria-current', 'true')
      const time = document.createElement('time')
      time.dateTime = version.createdAt
      time.textContent = this.formatTime(version.createdAt)
      const name = document.createElement('span')
      name.className = 'ortak-history-name'
      name.textContent = this.title(version)
      const authors = document.createElement('span')
      authors.className = 'ortak-history-authors'
      authors.textContent = version.authors.map((author) => this.authorName(author)).join(', ') || this.host.messages.noAuthors
      button.append(time, name, authors)
      item.append(button)
      return item
    }))
  }

  private title(version: Version): string {
    return version.name ?? this.host.messages.automaticVersion
  }

  private authorName(author: VersionAuthor): string {
    return author.verified ? author.name : fill(this.host.messages.unverifiedAuthor, { name: author.name })
  }

  private formatTime(iso: string): string {
    const options = { dateStyle: 'medium', timeStyle: 'short' } as const
    try {
      return new Intl.DateTimeFormat(this.host.lang, options).format(new Date(iso))
    } catch {
      // A language tag Intl cannot take: the page's default then.
      return new Intl.DateTimeFormat(undefined, options).format(new Date(iso))
    }
  }

  /** Shows `version` and what it changed since the version before it; null hides the detail. */
  private async showVersion(version: Version | null): Promise<void> {
    ++this.diffGeneration
    this.diff?.destroy()
    this.diff = null
    this.chosen = version
    for (const button of this.list.querySelectorAll('[data-version]')) {
      if (button.getAttribute('data-version') === String(version?.id)) button.setAttribute('aria-current', 'true')
      else button.removeAttribute('aria-current')
    }
    this.detail.hidden = version === null
    if (version === null) return
    const m = this.host.messages
    this.detail.querySelector('.ortak-history-version-title')!.textContent = `${this.title(version)}, ${this.formatTime(version.createdAt)}`
    const authors = colouredAuthors(version)
    const legend = this.detail.querySelector('.ortak-history-legend')!
    const document = this.element.ownerDocument
    legend.replaceChildren(...[...authors, ...(authors.length === 1 ? [] : [{ id: null, name: m.deletedByUnknown, verified: true, color: unknownAuthorColor }])].map((author) => {
      const entry = document.createElement('li')
      entry.style.setProperty('--ortak-person-color', author.color)
      entry.textContent = this.authorName(author)
      return entry
    }))
    const generation = ++this.diffGeneration
    this.say(m.loadingVersions)
    try {
      const previous = await this.host.client.previous(version.id)
      // The version before whole, and only what this one changed on top of it: the diff decodes each change once.
      const [later, earlier] = await Promise.all([
        this.host.client.update(version.id, previous?.id), previous ? this.host.client.update(previous.id) : null,
      ])
      if (generation !== this.diffGeneration || this.isDestroyed) return
      this.diffMount.replaceChildren()
      const diff = await renderVersionDiff(this.diffMount, version, authors, later, earlier, this.host.pictures)
      if (generation !== this.diffGeneration || this.isDestroyed) {
        diff.destroy()
        return
      }
      this.diff = diff
      this.say(m.changesSince)
    } catch (error) {
      if (generation === this.diffGeneration) this.fail(error)
    }
  }

  private async restore(): Promise<void> {
    const version = this.chosen
    if (!version || !this.host.isEditable()) return
    const m = this.host.messages
    this.say(m.restoring)
    try {
      await restoreVersion({ view: this.host.view(), client: this.host.client, whenStored: (ms) => this.host.whenStored(ms) }, version)
      if (this.isDestroyed) return
      await this.reload()
      this.say(m.restored)
    } catch (error) {
      this.fail(error instanceof RestoreError ? new Error(m.restoreNotRecorded) : error)
    }
  }

  private readonly onSave = async (event: SubmitEvent) => {
    event.preventDefault()
    const name = this.saveInput.value.trim()
    if (name === '') {
      this.saveInput.setAttribute('aria-invalid', 'true')
      return
    }
    this.saveInput.removeAttribute('aria-invalid')
    try {
      // The server names what it has: what was typed here a moment ago must be stored first.
      if (!(await this.host.whenStored(STORE_TIMEOUT_MS))) throw new Error(this.host.messages.notStoredYet)
      await this.host.client.save(name)
      if (this.isDestroyed) return
      this.saveForm.hidden = true
      this.saveInput.value = ''
      await this.reload()
    } catch (error) {
      this.fail(error)
    }
  }

  private readonly onClick = (event: MouseEvent) => {
    const target = event.target as Element
    const action = target.closest<HTMLElement>('[data-action]')?.dataset.action
    if (action === 'close') return this.close()
    if (action === 'older') return void this.loadOlder()
    if (action === 'restore') return void this.restore()
    if (action === 'save') {
      this.saveForm.hidden = !this.saveForm.hidden
      if (!this.saveForm.hidden) this.saveInput.focus()
      return
    }
    const id = target.closest<HTMLElement>('[data-version]')?.dataset.version
    const version = id === undefined ? undefined : this.versions.find((v) => String(v.id) === id)
    if (version) void this.showVersion(version)
  }

  private readonly onKeydown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return
    event.preventDefault()
    // Escape in the name field closes only the field; elsewhere in the panel, the panel, back to the text.
    if (event.target === this.saveInput) {
      this.saveForm.hidden = true
      this.element.querySelector<HTMLElement>('[data-action=save]')!.focus()
    } else {
      this.close()
    }
  }

  private say(text: string): void {
    this.message.textContent = text
    this.message.classList.remove('ortak-history-error')
  }

  private fail(error: unknown): void {
    if (this.isDestroyed) return
    this.say(fill(this.host.messages.historyFailed, { reason: (error as Error).message }))
    this.message.classList.add('ortak-history-error')
  }

  destroy(): void {
    this.isDestroyed = true
    this.diff?.destroy()
    this.element.removeEventListener('click', this.onClick)
    this.element.removeEventListener('keydown', this.onKeydown)
    this.saveForm.removeEventListener('submit', this.onSave)
    this.element.remove()
  }
}

/**
 * The people list in the editor's bar: a chip per person (coloured initials
 * and name), this editor's user first. Where the chips do not fit (a phone),
 * the list folds into one chip with the count, the names in its tooltip;
 * a screen reader still reads every name. How many are in the document is
 * said again, politely, whenever it changes.
 */
import { fill, type Messages } from './messages.js'
import type { Person } from './presence.js'

const initials = (name: string) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]!.toUpperCase()).join('')

// More chips than this would crowd the toolbar; the rest are summed up in one "+N" item.
const MAX_SHOWN = 5

const peopleIcon = '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true">'
  + '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6"/><path d="M16 4.6a3.5 3.5 0 0 1 0 6.8M18.5 14.4c1.8.8 3 2.8 3 5.6"/></svg>'

export class PresenceList {
  private readonly list: HTMLUListElement
  private readonly count: HTMLElement
  private readonly summary: HTMLElement
  private readonly resizes: ResizeObserver

  /** Renders into `container` (the bar's people slot); `observed` is the element whose width decides whether the chips fit. */
  constructor(private readonly container: HTMLElement, observed: HTMLElement, private readonly messages: Messages) {
    const document = container.ownerDocument
    this.list = document.createElement('ul')
    this.list.className = 'ortak-presence'
    this.count = document.createElement('span')
    this.count.className = 'ortak-presence-count'
    // The list itself stays readable to screen readers when folded; the count is for the eyes.
    this.count.setAttribute('aria-hidden', 'true')
    this.summary = document.createElement('span')
    this.summary.className = 'ortak-visually-hidden'
    this.summary.setAttribute('aria-live', 'polite')
    container.append(this.list, this.count, this.summary)
    this.resizes = new ResizeObserver(() => this.fold())
    this.resizes.observe(observed)
  }

  show(people: Person[]): void {
    const document = this.list.ownerDocument
    const shown = people.length > MAX_SHOWN + 1 ? people.slice(0, MAX_SHOWN) : people
    const items = shown.map((person) => {
      const label = person.isYou ? fill(this.messages.you, { name: person.name }) : person.name
      const item = document.createElement('li')
      item.className = 'ortak-person'
      item.dataset.clientId = String(person.clientId)
      item.style.setProperty('--ortak-person-color', person.color)
      item.title = label
      const badge = document.createElement('span')
      badge.className = 'ortak-person-badge'
      badge.setAttribute('aria-hidden', 'true')
      badge.textContent = initials(person.name)
      const name = document.createElement('span')
      name.className = 'ortak-person-name'
      name.textContent = label
      item.append(badge, name)
      return item
    })
    const hidden = people.slice(shown.length)
    if (hidden.length > 0) {
      const more = document.createElement('li')
      more.className = 'ortak-person ortak-person-more'
      more.textContent = `+${hidden.length}`
      more.title = hidden.map((person) => person.name).join(', ')
      items.push(more)
    }
    this.list.replaceChildren(...items)
    const described = fill(people.length === 1 ? this.messages.personInDocument : this.messages.peopleInDocument, { count: people.length })
    this.list.setAttribute('aria-label', described)
    if (this.summary.textContent !== described) this.summary.textContent = described
    this.count.innerHTML = `${peopleIcon}<span>${people.length}</span>`
    this.count.title = people.map((person) => person.name).join(', ')
    this.fold()
  }

  /** Folds the list into its count when the chips overflow their room, unfolds it when they fit again. */
  private fold(): void {
    delete this.container.dataset.folded
    if (this.list.scrollWidth > this.list.clientWidth + 1) this.container.dataset.folded = ''
  }

  destroy(): void {
    this.resizes.disconnect()
    this.container.replaceChildren()
  }
}

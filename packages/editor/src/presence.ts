/**
 * Who is in the document, from y-protocols awareness: everyone who announced
 * a `user`, this editor first. The list changes only when someone joins,
 * leaves or renames, not on every cursor move.
 */
import type { Awareness } from 'y-protocols/awareness'
import { readRemoteUser, type User } from './user.js'

export interface Person extends User {
  clientId: number
  /** This editor's own user. */
  isYou: boolean
}

export function peopleIn(awareness: Awareness): Person[] {
  const people: Person[] = []
  awareness.getStates().forEach((state, clientId) => {
    if (!state.user) return
    people.push({ clientId, ...readRemoteUser(state.user, clientId), isYou: clientId === awareness.clientID })
  })
  return people.sort((a, b) => Number(b.isYou) - Number(a.isYou) || a.name.localeCompare(b.name) || a.clientId - b.clientId)
}

const samePeople = (a: Person[], b: Person[]) =>
  a.length === b.length && a.every((p, i) => p.clientId === b[i]!.clientId && p.name === b[i]!.name && p.color === b[i]!.color)

/** Watches awareness and calls `onChange` with the new list whenever it differs. */
export class PresenceWatcher {
  private current: Person[]
  private readonly onAwarenessChange = () => {
    const next = peopleIn(this.awareness)
    if (samePeople(next, this.current)) return
    this.current = next
    this.onChange(next)
  }

  constructor(private readonly awareness: Awareness, private readonly onChange: (people: Person[]) => void) {
    this.current = peopleIn(awareness)
    awareness.on('change', this.onAwarenessChange)
  }

  get people(): Person[] {
    return this.current
  }

  destroy(): void {
    this.awareness.off('change', this.onAwarenessChange)
  }
}

const initials = (name: string) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]!.toUpperCase()).join('')

// More chips than this would crowd the toolbar; the rest are summed up in one "+N" item.
const MAX_SHOWN = 5

/** Renders the list as chips (coloured initials and name), this editor's user first. */
export function renderPresence(list: HTMLElement, people: Person[]): void {
  const document = list.ownerDocument
  const shown = people.length > MAX_SHOWN + 1 ? people.slice(0, MAX_SHOWN) : people
  const items = shown.map((person) => {
    const label = person.isYou ? `${person.name} (you)` : person.name
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
  list.replaceChildren(...items)
  list.setAttribute('aria-label', `${people.length} ${people.length === 1 ? 'person' : 'people'} in this document`)
}

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

export function peopleIn(awareness: Awareness, guest: string): Person[] {
  const people: Person[] = []
  awareness.getStates().forEach((state, clientId) => {
    if (!state.user) return
    people.push({ clientId, ...readRemoteUser(state.user, clientId, guest), isYou: clientId === awareness.clientID })
  })
  return people.sort((a, b) => Number(b.isYou) - Number(a.isYou) || a.name.localeCompare(b.name) || a.clientId - b.clientId)
}

const samePeople = (a: Person[], b: Person[]) =>
  a.length === b.length && a.every((p, i) => p.clientId === b[i]!.clientId && p.name === b[i]!.name && p.color === b[i]!.color)

/** Watches awareness and calls `onChange` with the new list whenever it differs. */
export class PresenceWatcher {
  private current: Person[]
  private readonly onAwarenessChange = () => {
    const next = peopleIn(this.awareness, this.guest)
    if (samePeople(next, this.current)) return
    this.current = next
    this.onChange(next)
  }

  /** `guest` names a person who gave no name (`Guest {number}`). */
  constructor(
    private readonly awareness: Awareness,
    private readonly guest: string,
    private readonly onChange: (people: Person[]) => void,
  ) {
    this.current = peopleIn(awareness, guest)
    awareness.on('change', this.onAwarenessChange)
  }

  get people(): Person[] {
    return this.current
  }

  destroy(): void {
    this.awareness.off('change', this.onAwarenessChange)
  }
}

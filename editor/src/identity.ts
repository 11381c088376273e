/**
 * Who you are and which room you are in, from the address bar and
 * localStorage: `?room=NAME&name=USER`, or a new random room put into the
 * URL and a friendly random name kept for your next visit. The colour is
 * left to the editor, which picks one nobody in the room wears, unless this
 * browser has one stored.
 */
import { randomUser, type UserOptions } from '@ortak/editor'

const USER_KEY = 'ortak:user'

function storedUser(): UserOptions | null {
  try {
    const value = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as Partial<UserOptions> | null
    if (typeof value?.name === 'string' && value.name.trim() !== '') {
      const hasColor = typeof value.color === 'string' && /^#[0-9a-f]{6}$/i.test(value.color)
      return hasColor ? { name: value.name, color: value.color! } : { name: value.name }
    }
  } catch {
    // Unreadable or blocked storage: a fresh identity below.
  }
  return null
}

export function saveUser(user: UserOptions): void {
  try {
    localStorage.setItem(USER_KEY, JSON.stringify(user))
  } catch {
    // Storage blocked (private mode, embedded frame): the name lasts for this visit only.
  }
}

/** The user for this visit: `?name=` wins for the name; the colour, when there is one, is always this browser's. */
export function currentUser(params: URLSearchParams): UserOptions {
  let user = storedUser()
  if (!user) {
    user = { name: randomUser().name }
    saveUser(user)
  }
  const name = params.get('name')?.trim()
  return name ? { ...user, name } : user
}

/** A room name nobody will guess: 10 random letters and digits. */
export function randomRoom(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789'
  const bytes = crypto.getRandomValues(new Uint8Array(10))
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')
}

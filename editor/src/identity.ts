/**
 * Who you are and which room you are in, from the address bar and
 * localStorage: `?room=NAME&name=USER`, or a new random room put into the
 * URL and a friendly random name and colour kept for your next visit.
 */
import { randomUser, type User } from '@ortak/editor'

const USER_KEY = 'ortak:user'

function storedUser(): User | null {
  try {
    const value = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as Partial<User> | null
    if (typeof value?.name === 'string' && value.name.trim() !== '' && typeof value.color === 'string' && /^#[0-9a-f]{6}$/i.test(value.color)) {
      return { name: value.name, color: value.color }
    }
  } catch {
    // Unreadable or blocked storage: a fresh identity below.
  }
  return null
}

export function saveUser(user: User): void {
  try {
    localStorage.setItem(USER_KEY, JSON.stringify(user))
  } catch {
    // Storage blocked (private mode, embedded frame): the name lasts for this visit only.
  }
}

/** The user for this visit: `?name=` wins for the name; the colour is always this browser's. */
export function currentUser(params: URLSearchParams): User {
  let user = storedUser()
  if (!user) {
    user = randomUser()
    saveUser(user)
  }
  const name = params.get('name')?.trim()
  return name ? { name, color: user.color } : user
}

/** A room name nobody will guess: 10 random letters and digits. */
export function randomRoom(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789'
  const bytes = crypto.getRandomValues(new Uint8Array(10))
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')
}

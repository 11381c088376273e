/**
 * Who is editing: a display name and a colour. The colour must be
 * `#rrggbb`: y-prosemirror appends an alpha to it for selections, and it is
 * written into style attributes, so anything else from another client is
 * replaced rather than trusted.
 */
import { fill } from './messages.js'

export interface User {
  name: string
  color: string
}

/** The user a page gives the editor: without `color`, the editor picks one nobody in the room wears yet. */
export interface UserOptions {
  name: string
  color?: string
}

const rgbHex = /^#[0-9a-fA-F]{6}$/
const MAX_NAME_LENGTH = 60
const FALLBACK_COLOR = '#6b7280'

export const isValidColor = (color: unknown): color is string => typeof color === 'string' && rgbHex.test(color)

/** Checks the local user given to createEditor; throws a RangeError naming the problem. */
export function checkUser(user: UserOptions): UserOptions {
  if (typeof user?.name !== 'string' || user.name.trim() === '') throw new RangeError('user.name must be a non-empty string')
  if (user.color !== undefined && !isValidColor(user.color)) throw new RangeError(`user.color must be a #rrggbb colour, got ${JSON.stringify(user.color)}`)
  const name = user.name.trim().slice(0, MAX_NAME_LENGTH)
  return user.color === undefined ? { name } : { name, color: user.color }
}

/** A remote user as announced in awareness, made safe to render whatever the other client sent; `guest` names one who gave no name. */
export function readRemoteUser(value: unknown, clientId: number, guest: string): User {
  const user = (typeof value === 'object' && value !== null ? value : {}) as { name?: unknown; color?: unknown }
  const name = typeof user.name === 'string' && user.name.trim() !== '' ? user.name.trim().slice(0, MAX_NAME_LENGTH) : fill(guest, { number: clientId % 1000 })
  return { name, color: isValidColor(user.color) ? user.color : FALLBACK_COLOR }
}

const adjectives = ['Amber', 'Brave', 'Calm', 'Clever', 'Curious', 'Gentle', 'Happy', 'Jolly', 'Kind', 'Lucky', 'Merry', 'Nimble', 'Quiet', 'Sunny', 'Swift', 'Witty']
const animals = ['Badger', 'Falcon', 'Fox', 'Heron', 'Koala', 'Lynx', 'Marten', 'Otter', 'Owl', 'Panda', 'Puffin', 'Robin', 'Seal', 'Tiger', 'Walrus', 'Wren']
// Saturated enough to read white text on, distinct enough to tell people apart.
export const userColors = ['#d9480f', '#c2255c', '#9c36b5', '#6741d9', '#3b5bdb', '#1971c2', '#0c8599', '#087f5b', '#2b8a3e', '#e67700', '#5c940d', '#862e9c']

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!

/**
 * A colour of `userColors` that none of `taken` is, picked at random among
 * those so that two people joining at once are unlikely to pick the same;
 * `preferred` when it is free. When every colour is taken, the least worn.
 */
export function freeColor(taken: readonly string[], preferred?: string, random = Math.random): string {
  const wearers = new Map(userColors.map((color) => [color, 0]))
  for (const color of taken) {
    const key = color.toLowerCase()
    if (wearers.has(key)) wearers.set(key, wearers.get(key)! + 1)
  }
  const fewest = Math.min(...wearers.values())
  if (preferred !== undefined && wearers.get(preferred) === fewest) return preferred
  const candidates = userColors.filter((color) => wearers.get(color) === fewest)
  return candidates[Math.floor(random() * candidates.length)]!
}

/** A friendly random name and colour, e.g. "Curious Otter" in teal. */
export function randomUser(): User {
  return { name: `${pick(adjectives)} ${pick(animals)}`, color: pick(userColors) }
}

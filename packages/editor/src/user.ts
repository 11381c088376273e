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
// Distinct enough to tell people apart; a caret's label is written on its colour in white or black (labelTextColor).
export const userColors = ['#d9480f', '#c2255c', '#9c36b5', '#6741d9', '#3b5bdb', '#1971c2', '#0c8599', '#087f5b', '#2b8a3e', '#e67700', '#5c940d', '#862e9c']

/** WCAG's relative luminance of a #rrggbb colour. */
function relativeLuminance(color: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(color.slice(at, at + 2), 16) / 255
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

/** WCAG's contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x)
  return (light! + 0.05) / (dark! + 0.05)
}

/**
 * The text colour of a caret's label on `background`, whichever of white and black stands out more: at least
 * 4.58:1 on any colour (the two are equal at a luminance of 0.179), past WCAG AA's 4.5:1 for the label's small
 * text, whatever colour another client announces. White alone fell to 3.0:1 on the palette's own amber.
 */
export function labelTextColor(background: string): '#ffffff' | '#000000' {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#000000') ? '#ffffff' : '#000000'
}

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

/**
 * createEditor names what is wrong with its options before it mounts
 * anything: the page's developer gets a RangeError, never a half-made
 * editor or a socket opened with options it cannot honour.
 */
import { JSDOM } from 'jsdom'
import { expect, it } from 'vitest'
import { createEditor, type EditorOptions } from '../src/index.js'

it('throws a RangeError naming the problem, and leaves the element empty', () => {
  const { document } = new JSDOM('<!doctype html><div id="editor"></div>', { url: 'https://app.example.com/' }).window
  const element = document.getElementById('editor')!
  const base: EditorOptions = { url: 'wss://ortak.example.com/ws', room: 'notes', user: { name: 'Ada' } }
  const refusals: Array<[Partial<EditorOptions> | Record<string, unknown>, string]> = [
    [{ token: 'a.b.c', getToken: async () => 'a.b.c' }, 'give either token or getToken, not both'],
    [{ getToken: 'a.b.c' }, 'getToken must be a function returning a promise of a token'],
    [{ mode: 'write' }, 'mode must be "edit" or "read", got "write"'],
    [{ user: { name: 'Ada', color: 'orange' } }, 'user.color must be a #rrggbb colour, got "orange"'],
    [{ user: { name: ' ' } }, 'user.name must be a non-empty string'],
  ]
  for (const [options, message] of refusals) {
    expect(() => createEditor(element, { ...base, ...options } as EditorOptions)).toThrow(new RangeError(message))
  }
  expect(element.childNodes.length).toBe(0)
})

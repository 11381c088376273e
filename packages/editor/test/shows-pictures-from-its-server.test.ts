/**
 * Which address the editor's pictures load from: the document holds a room
 * file's address relative to the server, the editor shows it from the
 * server its `url` names, with the room's token only where that server's
 * files are.
 */
import { describe, expect, it } from 'vitest'
import { httpBaseOf, shownImageSource } from '../src/images.js'

describe('the server of an editor’s pictures', () => {
  it('is the WebSocket endpoint’s host over http(s), without the /ws the rooms hang under', () => {
    expect(httpBaseOf('ws://127.0.0.1:1234/ws').href).toBe('http://127.0.0.1:1234/')
    expect(httpBaseOf('wss://ortak.example.com/ws').href).toBe('https://ortak.example.com/')
    expect(httpBaseOf('wss://example.com/collab/ws/').href).toBe('https://example.com/collab/')
    expect(httpBaseOf('wss://example.com/custom?x=1').href).toBe('https://example.com/custom/')
  })

  it('shows a room file from that server, with the token when there is one', () => {
    const base = httpBaseOf('wss://ortak.example.com/ws')
    const file = '/api/rooms/notes/files/ab12'
    expect(shownImageSource(file, base, undefined)).toBe('https://ortak.example.com/api/rooms/notes/files/ab12')
    expect(shownImageSource(file, base, 'secret')).toBe('https://ortak.example.com/api/rooms/notes/files/ab12?token=secret')
  })

  it('never sends the token to another site, nor to other paths of the server', () => {
    const base = httpBaseOf('wss://ortak.example.com/ws')
    expect(shownImageSource('https://pictures.example.org/api/rooms/x/files/1', base, 'secret')).toBe('https://pictures.example.org/api/rooms/x/files/1')
    expect(shownImageSource('/logo.png', base, 'secret')).toBe('https://ortak.example.com/logo.png')
  })
})

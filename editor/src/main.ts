/**
 * The Ortak demo app: one document per room, the editor component, and the
 * little around it (room name, your name, share link).
 */
import { createEditor, type OrtakEditor } from '@ortak/editor'
import { currentUser, randomRoom, saveUser } from './identity.js'
import './app.css'

declare global {
  interface Window {
    /** The editor handle, for the console and for end-to-end tests. */
    ortak?: OrtakEditor
  }
}

const params = new URLSearchParams(location.search)
let room = params.get('room')?.trim() ?? ''
if (room === '') {
  room = randomRoom()
  params.set('room', room)
  history.replaceState(null, '', `${location.pathname}?${params}`)
}
let user = currentUser(params)

document.title = `${room} · Ortak`
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
byId('room-name').textContent = room

// ?theme=dark and ?lang=tr show the editor's themes and languages.
const theme = params.get('theme')
const lang = params.get('lang')
if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme
if (lang) document.documentElement.lang = lang

const editor = createEditor(byId('editor'), { url: '/ws', room, user, ...(theme === 'light' || theme === 'dark' ? { theme } : {}) })
window.ortak = editor
editor.view.focus()

const nameInput = byId<HTMLInputElement>('you-name')
const swatch = byId('you-swatch')
nameInput.value = user.name
// The editor may pick the colour once it sees who else is in the room.
const showColor = () => void (swatch.style.background = editor.user.color)
showColor()
editor.on('presence', showColor)
nameInput.addEventListener('change', () => {
  const name = nameInput.value.trim()
  if (name === '') {
    nameInput.value = user.name
    return
  }
  user = { ...user, name }
  editor.setUser(user)
  saveUser(user)
  // A name given in the link would win over the stored one on reload, so it follows the change.
  if (params.has('name')) {
    params.set('name', name)
    history.replaceState(null, '', `${location.pathname}?${params}`)
  }
})
nameInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') editor.view.focus()
})

const shareButton = byId<HTMLButtonElement>('share')
const shareLabel = byId('share-label')
let labelTimer: ReturnType<typeof setTimeout> | undefined
shareButton.addEventListener('click', async () => {
  // The link names the room only: whoever opens it picks their own name.
  const link = `${location.origin}${location.pathname}?room=${encodeURIComponent(room)}`
  try {
    await navigator.clipboard.writeText(link)
    shareLabel.textContent = 'Link copied'
    shareButton.dataset.copied = ''
  } catch {
    // No clipboard access (plain http on a LAN address, or denied): let the user copy it.
    window.prompt('Copy this link to share the document:', link)
    return
  }
  clearTimeout(labelTimer)
  labelTimer = setTimeout(() => {
    shareLabel.textContent = 'Copy link'
    delete shareButton.dataset.copied
  }, 2_000)
})

/**
 * @ortak/react in a real React page, built by vite in development mode so
 * that StrictMode mounts every effect twice: two editors of one room (the
 * component and the hook) open one socket each, show the document once,
 * get colours of their own, and a new `room` or `token` prop closes the old
 * socket and shows the new document. And HTML rendered by react-dom/server
 * hydrates without a mismatch into a working editor.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { build } from 'vite'
import { createElement, StrictMode } from 'react'
import { renderToString } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { workspaceSourceAliases } from '../../../workspace-sources.js'
import { connectClient, repoRoot, synced, waitFor } from '../../../server/test/helpers.js'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { caretToEnd, startHostSite, useServerAndBrowser, type HostSite } from '../../editor/test/browser.js'
import { OrtakEditor } from '../src/index.js'

const PAGE = `import { createElement, StrictMode, useEffect } from 'react'
import { createRoot, hydrateRoot } from 'react-dom/client'
import { OrtakEditor, useOrtakEditor } from '@ortak/react'

window.editors = {}
window.statuses = []
function HookPane(props) {
  const { ref, editor, status, people } = useOrtakEditor(props)
  useEffect(() => { window.editors.hook = editor }, [editor])
  // Two on mount under StrictMode in development: the proof that the page runs as the test means.
  useEffect(() => { window.mountEffects = (window.mountEffects || 0) + 1 }, [])
  return createElement('section', { id: 'hook' },
    createElement('div', { ref }),
    createElement('p', { className: 'people' }, people.map((p) => p.name).join(', ')),
    createElement('p', { className: 'connection' }, status ? status.connection : 'none'))
}
function App({ component, hook }) {
  return createElement(StrictMode, null,
    createElement('section', { id: 'component' }, component && createElement(OrtakEditor, {
      ...component, ref: (editor) => { window.editors.component = editor }, onStatus: (s) => window.statuses.push(s.connection),
    })),
    hook && createElement(HookPane, hook))
}
const root = createRoot(document.getElementById('app'))
window.show = (props) => root.render(createElement(App, props))
// Takes over the markup react-dom/server rendered into #ssr (a page of its own).
window.hydrationErrors = []
window.hydrate = (props) => hydrateRoot(document.getElementById('ssr'),
  createElement(StrictMode, null, createElement(OrtakEditor, { ...props, ref: (editor) => { window.editors.hydrated = editor } })),
  { onRecoverableError: (error) => window.hydrationErrors.push(String(error)) })
`

/** Runs before the page: keeps every WebSocket the page opens. */
function recordSockets(): void {
  const sockets: WebSocket[] = []
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
    }
  }
  ;(window as unknown as { sockets: () => Array<{ url: string; isOpen: boolean }> }).sockets = () =>
    sockets.map((s) => ({ url: new URL(s.url).pathname, isOpen: s.readyState === Native.OPEN || s.readyState === Native.CONNECTING }))
}

interface PaneProps {
  url: string
  room: string
  user: { name: string; color?: string }
  token?: string
  offline?: boolean
  mode?: 'edit' | 'read'
}
type Pane = 'component' | 'hook'

const show = (page: Page, props: Partial<Record<Pane, PaneProps>>) => page.evaluate((p) => (window as unknown as { show(p: unknown): void }).show(p), props)
const sockets = (page: Page) => page.evaluate(() => (window as unknown as { sockets(): Array<{ url: string; isOpen: boolean }> }).sockets())
const paneStatus = (page: Page, pane: Pane) => page.evaluate((pane) =>
  (window as unknown as { editors: Record<string, { status: { connection: string } } | null> }).editors[pane]?.status.connection, pane)
const paneText = (page: Page, pane: Pane) => page.locator(`#${pane} .ProseMirror`).evaluate((el) => {
  const copy = el.cloneNode(true) as HTMLElement
  for (const caret of copy.querySelectorAll('.ProseMirror-yjs-cursor')) caret.remove()
  return copy.innerText.trim()
})
const paneColor = (page: Page, pane: Pane) => page.evaluate((pane) =>
  (window as unknown as { editors: Record<string, { user: { color: string } }> }).editors[pane]!.user.color, pane)

describe('@ortak/react under StrictMode', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser({ env: { AUTH_SECRET: SECRET } })
  let site: HostSite
  let builtDir: string
  let builtHtml: string
  let builtAssets: Record<string, string>

  beforeAll(async () => {
    // Inside the repository, so that the page's imports of react resolve to its node_modules.
    fs.mkdirSync(path.join(repoRoot, '.vitest-tmp'), { recursive: true })
    const source = fs.mkdtempSync(path.join(repoRoot, '.vitest-tmp', 'react-page-'))
    fs.writeFileSync(path.join(source, 'index.html'), '<!doctype html><meta charset="utf-8"><div id="app"></div><script type="module" src="./main.js"></script>\n')
    fs.writeFileSync(path.join(source, 'main.js'), PAGE)
    builtDir = path.join(source, 'dist')
    // Development React: StrictMode runs every effect, cleanup and effect again only there.
    await build({
      root: source, configFile: false, logLevel: 'warn', mode: 'development',
      define: { 'process.env.NODE_ENV': '"development"' },
      resolve: { alias: workspaceSourceAliases() },
      build: { outDir: builtDir, minify: false },
    })
    builtHtml = fs.readFileSync(path.join(builtDir, 'index.html'), 'utf8')
    builtAssets = Object.fromEntries(fs.readdirSync(path.join(builtDir, 'assets')).map((name) => [`/assets/${name}`, path.join(builtDir, 'assets', name)]))
    site = await startHostSite({ '/': builtHtml }, builtAssets)
  }, 120_000)
  afterAll(async () => {
    await site?.close()
    if (builtDir) fs.rmSync(path.dirname(builtDir), { recursive: true, force: true })
  })

  it('mounts twice with one socket per editor ever made, shows the document once, and gives each its own colour', async () => {
    const grant = (room: string, name: string) => token({ room, permission: 'write', name, sub: name.toLowerCase() })
    const url = session.server.wsUrl
    const watcher = connectClient(url, 'team', { params: { token: await grant('team', 'Watcher') } })
    const context = await session.browser.newContext()
    await context.addInitScript(recordSockets)
    const page = await context.newPage()
    const pageErrors: Error[] = []
    page.on('pageerror', (error) => pageErrors.push(error))
    try {
      await synced(watcher)
      await page.goto(site.url)
      // No colours given: the second to arrive must not get the first one's.
      const component: PaneProps = { url, room: 'team', user: { name: 'Ada' }, token: await grant('team', 'Ada'), offline: false }
      await show(page, { component })
      await waitFor('the component online', async () => await paneStatus(page, 'component') === 'online')
      const hook: PaneProps = { url, room: 'team', user: { name: 'Bo' }, token: await grant('team', 'Bo'), offline: false }
      await show(page, { component, hook })
      await waitFor('the hook online', async () => await paneStatus(page, 'hook') === 'online')
      await expect.poll(() => page.locator('#hook .people').textContent()).toBe('Bo, Ada')

      // StrictMode mounted the hook's component twice; the editor waits for its element, so one socket each was ever made.
      expect(await page.evaluate(() => (window as unknown as { mountEffects: number }).mountEffects)).toBe(2)
      const all = await sockets(page)
      expect(all).toEqual([{ url: '/ws/team', isOpen: true }, { url: '/ws/team', isOpen: true }])
      expect(await page.locator('.ortak-editor').count()).toBe(2)
      expect(await page.locator('#component .ortak-editor-loading').count()).toBe(0)
      await waitFor('the server to hold exactly the two editors, each under its own name', () =>
        [...watcher.provider.awareness.getStates()].filter(([id]) => id !== watcher.doc.clientID).map(([, s]) => s.user?.name).sort().join() === 'Ada,Bo')
      expect(await paneColor(page, 'component')).not.toBe(await paneColor(page, 'hook'))

      await page.locator('#component .ProseMirror').click()
      await page.keyboard.type('Typed once.')
      await waitFor('the hook’s editor to show it', async () => await paneText(page, 'hook') === 'Typed once.')
      expect(await paneText(page, 'component')).toBe('Typed once.')
      await waitFor('the server to hold it once', () => watcher.doc.getXmlFragment('prosemirror').toString() === '<paragraph>Typed once.</paragraph>')
      expect(await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses)).toContain('online')
      expect(pageErrors).toEqual([])
    } finally {
      watcher.destroy()
      await context.close()
    }
  })

  it('keeps a given colour, switches mode on the open socket, and on a new room or token closes the old socket and shows the new document', async () => {
    const url = session.server.wsUrl
    const seed = connectClient(url, 'elsewhere', { params: { token: await token({ room: 'elsewhere', permission: 'write' }) } })
    const context = await session.browser.newContext()
    await context.addInitScript(recordSockets)
    const page = await context.newPage()
    try {
      await synced(seed)
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText('The other room.')])
      seed.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
      await page.goto(site.url)
      const roomGrant = await token({ roomPrefix: '', permission: 'write', name: 'Cem', sub: 'cem' })
      const first: PaneProps = { url, room: 'switching', user: { name: 'Cem', color: '#087f5b' }, token: roomGrant, offline: false }
      await show(page, { hook: first })
      await waitFor('online in the first room', async () => await paneStatus(page, 'hook') === 'online')
      await caretToEnd(page)
      await page.keyboard.type('First room.')
      // A colour the page gives is kept as given.
      expect(await paneColor(page, 'hook')).toBe('#087f5b')
      // A new mode prop acts on the open socket.
      const socketsBeforeMode = await sockets(page)
      await show(page, { hook: { ...first, mode: 'read' } })
      await waitFor('read mode', async () => await page.evaluate(() =>
        (window as unknown as { editors: Record<string, { status: { mode: string } }> }).editors.hook!.status.mode === 'read'))
      expect(await page.locator('#hook .ProseMirror').getAttribute('contenteditable')).toBe('false')
      expect(await sockets(page)).toEqual(socketsBeforeMode)
      await show(page, { hook: first })

      await show(page, { hook: { ...first, room: 'elsewhere' } })
      await waitFor('the other room’s document', async () => await paneText(page, 'hook') === 'The other room.')
      const afterRoom = (await sockets(page)).filter((s) => s.isOpen)
      expect(afterRoom.map((s) => s.url)).toEqual(['/ws/elsewhere'])
      expect(await page.locator('.ortak-editor').count()).toBe(1)

      // A read token for the same room: a new connection, and read mode by itself.
      const socketsBefore = afterRoom.length + (await sockets(page)).filter((s) => !s.isOpen).length
      const readGrant = await token({ room: 'elsewhere', permission: 'read', name: 'Cem', sub: 'cem' })
      await show(page, { hook: { ...first, room: 'elsewhere', token: readGrant } })
      await waitFor('online with the read token', async () => await page.evaluate(() => {
        const editor = (window as unknown as { editors: Record<string, { status: { connection: string; mode: string } } | null> }).editors.hook
        return editor?.status.connection === 'online' && editor.status.mode === 'read'
      }))
      const afterToken = await sockets(page)
      expect(afterToken.filter((s) => s.isOpen)).toHaveLength(1)
      expect(afterToken.length).toBeGreaterThan(socketsBefore)
      expect(await paneText(page, 'hook')).toBe('The other room.')
      expect(seed.doc.getXmlFragment('prosemirror').toString()).toBe('<paragraph>The other room.</paragraph>')
    } finally {
      seed.destroy()
      await context.close()
    }
  })

  it('hydrates the HTML react-dom/server rendered, without a mismatch, into a working editor', async () => {
    const props = { url: session.server.wsUrl, room: 'hydrated', user: { name: 'Dee', color: '#6741d9' }, offline: false,
      token: await token({ room: 'hydrated', permission: 'write', name: 'Dee', sub: 'dee' }) }
    const markup = renderToString(createElement(StrictMode, null, createElement(OrtakEditor, props)))
    expect(markup).toContain('Loading the editor…')
    const ssrSite = await startHostSite({ '/': builtHtml.replace('<div id="app"></div>', `<div id="app"></div><div id="ssr">${markup}</div>`) }, builtAssets)
    const context = await session.browser.newContext()
    const page = await context.newPage()
    const consoleErrors: string[] = []
    page.on('console', (message) => {
      // The browser asks every site for a favicon; this one has none.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(message.text())
    })
    try {
      await page.goto(ssrSite.url)
      expect(await page.locator('#ssr .ortak-editor-loading').textContent()).toBe('Loading the editor…')
      await page.evaluate((p) => (window as unknown as { hydrate(p: unknown): void }).hydrate(p), props)
      await waitFor('the hydrated editor online', async () => await page.evaluate(() =>
        (window as unknown as { editors: Record<string, { status: { connection: string } } | null> }).editors.hydrated?.status.connection === 'online'))
      expect(await page.locator('#ssr .ortak-editor-loading').count()).toBe(0)
      await page.locator('#ssr .ProseMirror').click()
      await page.keyboard.type('Hydrated.')
      await expect.poll(() => page.locator('#ssr .ProseMirror p').textContent()).toBe('Hydrated.')
      expect(await page.evaluate(() => (window as unknown as { hydrationErrors: string[] }).hydrationErrors)).toEqual([])
      expect(consoleErrors).toEqual([])
    } finally {
      await context.close()
      await ssrSite.close()
    }
  })
})

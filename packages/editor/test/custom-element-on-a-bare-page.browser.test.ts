/**
 * `<ortak-editor>` on a page with no build step, on another website than
 * the Ortak server: one script tag from the server, one element. And when
 * the element leaves the page, the editor leaves nothing running behind.
 */
import fs from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, synced, waitFor } from '../../../server/test/helpers.js'
import { bareEditorPage, caretToEnd, startHostSite, useServerAndBrowser, waitForStatus, waitForText, type HostSite } from './browser.js'

/**
 * Runs before any page script: records the timers, window/document
 * listeners, WebSockets and BroadcastChannels the page creates, so the test
 * can ask what is still alive. Timers and listeners count only when
 * ortak-editor.js made them (playwright adds its own while it clicks).
 */
function recordResources(): void {
  const timeouts = new Map<number, string>()
  const intervals = new Map<number, string>()
  const listeners: Array<{ target: string; type: string; listener: unknown; capture: boolean; where: string }> = []
  const sockets: WebSocket[] = []
  const channels: Array<{ name: string; isClosed: boolean }> = []
  const where = () => new Error().stack ?? ''
  const byEditor = (stack: string) => stack.includes('/ortak-editor.js')
  const { setTimeout: setT, clearTimeout: clearT, setInterval: setI, clearInterval: clearI } = window
  window.setTimeout = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id: number = setT(() => {
      timeouts.delete(id)
      if (typeof handler === 'function') (handler as (...a: unknown[]) => void)(...args)
    }, ms)
    timeouts.set(id, where())
    return id
  }) as typeof window.setTimeout
  window.clearTimeout = ((id?: number) => {
    if (id !== undefined) timeouts.delete(id)
    clearT(id)
  }) as typeof window.clearTimeout
  window.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = setI(handler, ms, ...args)
    intervals.set(id, where())
    return id
  }) as typeof window.setInterval
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) intervals.delete(id)
    clearI(id)
  }) as typeof window.clearInterval
  for (const [name, target] of [['window', window], ['document', document]] as const) {
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    const captureOf = (options?: boolean | EventListenerOptions) => typeof options === 'boolean' ? options : !!options?.capture
    target.addEventListener = (type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) => {
      const capture = captureOf(options)
      if (!listeners.some((l) => l.target === name && l.type === type && l.listener === listener && l.capture === capture)) {
        listeners.push({ target: name, type, listener, capture, where: where() })
      }
      add(type, listener, options)
    }
    target.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions) => {
      const capture = captureOf(options)
      const index = listeners.findIndex((l) => l.target === name && l.type === type && l.listener === listener && l.capture === capture)
      if (index >= 0) listeners.splice(index, 1)
      remove(type, listener, options)
    }
  }
  const NativeWebSocket = window.WebSocket
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
    }
  }
  const NativeChannel = window.BroadcastChannel
  window.BroadcastChannel = class extends NativeChannel {
    private readonly record = { name: '', isClosed: false }
    constructor(name: string) {
      super(name)
      this.record.name = name
      channels.push(this.record)
    }
    override close(): void {
      this.record.isClosed = true
      super.close()
    }
  }
  const snapshot = () => ({
    timeouts: [...timeouts.values()].filter(byEditor),
    intervals: [...intervals.values()].filter(byEditor),
    listeners: listeners.filter((l) => byEditor(l.where)).map((l) => `${l.target}:${l.type}`),
    openSockets: sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length,
    sockets: sockets.length,
    openChannels: channels.filter((c) => !c.isClosed).map((c) => c.name),
  })
  Object.assign(window, { resources: snapshot, baseline: null })
}

interface Resources {
  timeouts: string[]
  intervals: string[]
  listeners: string[]
  openSockets: number
  sockets: number
  openChannels: string[]
}

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('<ortak-editor> on a bare HTML page', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()

  it('comes in one script under 150 KB gzipped', () => {
    expect(gzipSync(fs.readFileSync(session.server.standaloneScript), { level: 9 }).length).toBeLessThan(150 * 1024)
  })
  let site: HostSite

  beforeAll(async () => {
    const page = bareEditorPage(`${session.server.url}/ortak-editor.js`, { room: 'embedded', 'user-name': 'Cy', 'user-color': '#0c8599' })
      // The baseline is taken after the script has loaded and before the element mounts.
      .replace('<ortak-editor', '<script>window.baseline = window.resources()</script>\n<ortak-editor')
    site = await startHostSite({ '/page': page })
  }, 120_000)
  afterAll(async () => {
    await site?.close()
  })

  it('works from one script tag served by the Ortak server, and leaves nothing behind when removed', async () => {
    const context = await session.browser.newContext()
    await context.addInitScript(recordResources)
    const page = await context.newPage()
    const pageErrors: Error[] = []
    page.on('pageerror', (error) => pageErrors.push(error))
    await page.goto(`${site.url}/page`)

    // No url attribute: it talks to the server the script came from. Its stylesheet came with the script.
    await waitForStatus(page, (s) => s.connection === 'online' && s.isSaved)
    expect(await page.locator('style[data-ortak-editor]').count()).toBe(1)
    expect(await page.locator('.ortak-toolbar').evaluate((el) => getComputedStyle(el).display)).toBe('flex')
    expect(await page.locator('.ortak-person-name').allTextContents()).toEqual(['Cy (you)'])

    const reader = connectClient(session.server.wsUrl, 'embedded')
    try {
      await synced(reader)
      await caretToEnd(page)
      await page.keyboard.type('Typed in an embedded editor.')
      await page.locator('[data-command=heading2]').click()
      await waitForText(page, 'the text in the editor', (text) => text === 'Typed in an embedded editor.')
      await waitFor('the heading at the server', () =>
        reader.doc.getXmlFragment('prosemirror').toString() === '<heading level="2">Typed in an embedded editor.</heading>')
      // The one script writes Markdown without carrying a Markdown parser (see packages/editor/vite.config.ts).
      expect(await page.evaluate(() => window.ortak!.getMarkdown())).toBe('## Typed in an embedded editor.')
      await waitFor('Cy in the server’s awareness', () =>
        [...reader.provider.awareness.getStates().values()].some((state) => state.user?.name === 'Cy'))
      // Attributes are live: a new name reaches the others without a reconnect.
      await page.evaluate(() => document.querySelector('ortak-editor')!.setAttribute('user-name', 'Cyrus'))
      await waitFor('the new name in the server’s awareness', () =>
        [...reader.provider.awareness.getStates().values()].some((state) => state.user?.name === 'Cyrus'))
      expect(await page.locator('.ortak-person-name').allTextContents()).toEqual(['Cyrus (you)'])

      await page.evaluate(() => document.querySelector('ortak-editor')!.remove())
      // Everyone else sees Cyrus leave at once: destroy() announces it rather than waiting for a timeout.
      await waitFor('Cyrus gone from the server’s awareness', () =>
        ![...reader.provider.awareness.getStates().values()].some((state) => state.user?.name === 'Cyrus'), 2_000)
    } finally {
      reader.destroy()
    }

    let resources: Resources | undefined
    let baseline: Resources | undefined
    // Timers already fired or cleared, sockets done closing: allow the event loop a moment to settle.
    await waitFor('every resource released', async () => {
      ;[resources, baseline] = await page.evaluate(() => [
        (window as unknown as { resources(): Resources }).resources(),
        (window as unknown as { baseline: Resources }).baseline,
      ])
      return resources.timeouts.length === 0 && resources.openSockets === 0 && resources.openChannels.length === 0
        && resources.intervals.length === baseline.intervals.length && resources.listeners.length === baseline.listeners.length
    }, 5_000).catch(() => undefined)
    expect(resources!.sockets).toBeGreaterThan(0)
    expect(resources).toEqual({ ...baseline, sockets: resources!.sockets, openSockets: 0, openChannels: [], timeouts: [] })
    expect(await page.locator('.ortak-editor').count()).toBe(0)
    expect(await page.locator('style[data-ortak-editor]').count()).toBe(0)
    expect(pageErrors).toEqual([])
    await context.close()
  })
})

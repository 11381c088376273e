/**
 * Real-browser helpers: Debian's Chromium driven by playwright-core, each
 * user in their own browser context (own storage, own IndexedDB), opening
 * the demo app served by a real Ortak server process.
 */
import fs from 'node:fs'
import os from 'node:os'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import axe from 'axe-core'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { repoRoot, spawnServer, tempDir, type ServerProcess } from '../../../server/test/helpers.js'
import type { EditorStatus } from '../src/index.js'
import { builtWebAssets } from './web-assets.js'

export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/** Chromium with a fresh profile (playwright gives every launch a new temporary user-data dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs, timeout: 20_000 })
}

export interface ServerOptions {
  /** Runs with the server's data directory before the server starts. */
  beforeStart?: (dataDir: string) => Promise<void>
  /** Settings for the server process, as environment variables (say, AUTH_SECRET). */
  env?: Record<string, string>
}

/** A server process serving freshly built web assets; `restart()` brings it back on the same port and data. */
export class EditorServer {
  private constructor(
    public process: ServerProcess,
    readonly dataDir: string,
    private readonly editorDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** `beforeStart` may put things into the data directory (say, rooms written straight into storage). */
  static async start({ beforeStart, env = {} }: ServerOptions = {}): Promise<EditorServer> {
    const editorDir = await builtWebAssets()
    const dataDir = tempDir('ortak-e2e-')
    await beforeStart?.(dataDir)
    return new EditorServer(await spawnServer(dataDir, [], { ...env, EDITOR_DIR: editorDir }), dataDir, editorDir, env)
  }

  get url(): string {
    return this.process.url
  }

  /** The built `ortak-editor.js`, as the server hosts it. */
  get standaloneScript(): string {
    return path.join(this.editorDir, 'ortak-editor.js')
  }

  get wsUrl(): string {
    return this.process.wsUrl
  }

  /** kill -9: nothing gets flushed or closed politely. */
  async kill(): Promise<void> {
    await this.process.kill('SIGKILL')
  }

  /** Starts the server again on the same port (the pages keep their URL) and the same data. */
  async restart(): Promise<void> {
    this.process = await spawnServer(this.dataDir, ['--port', String(this.process.port)], { ...this.env, EDITOR_DIR: this.editorDir })
  }
}

export interface ServerAndBrowser {
  readonly server: EditorServer
  readonly browser: Browser
}

/**
 * For the tests of the calling file or describe block: an Ortak server and
 * Chromium, started together before the first test and stopped after the
 * last. Read `server` and `browser` inside the tests (they are set by then).
 */
export function useServerAndBrowser(options: ServerOptions = {}): ServerAndBrowser {
  const session = {} as { server: EditorServer; browser: Browser }
  beforeAll(async () => {
    ;[session.server, session.browser] = await Promise.all([EditorServer.start(options), launchChromium()])
  }, 120_000)
  afterAll(async () => {
    await session.browser?.close()
    if (session.server) {
      // A test may have left the server frozen (SIGSTOP); a frozen process still dies of SIGKILL, but not at once everywhere.
      session.server.process.child.kill('SIGCONT')
      await session.server.kill()
    }
  })
  return session
}

export interface UserPage {
  context: BrowserContext
  page: Page
  name: string
}

/** Opens the demo app as `name` in its own browser context and waits until the editor is online. */
export async function openDemo(
  browser: Browser,
  serverUrl: string,
  room: string,
  name: string,
  { color, viewport = { width: 900, height: 640 }, isPhone = false }: {
    color?: string
    viewport?: { width: number; height: number }
    /** A phone: 375×667, a mobile viewport and a touch screen (`viewport` is not used). */
    isPhone?: boolean
  } = {},
): Promise<UserPage> {
  const context = await browser.newContext(isPhone ? { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true } : { viewport })
  if (color) {
    // The demo keeps a user's colour in localStorage; seeding it gives screenshots distinct colours.
    await context.addInitScript((user) => localStorage.setItem('ortak:user', JSON.stringify(user)), { name, color })
  }
  const page = await context.newPage()
  await page.goto(`${serverUrl}/?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`)
  await waitForStatus(page, (s) => s.connection === 'online')
  return { context, page, name }
}

/** The document as ProseMirror JSON, read from the editor state (the DOM also holds cursor labels). */
export function docJson(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(() => window.ortak!.view.state.doc.toJSON() as Record<string, unknown>)
}

/** The document's text, blocks separated by newlines, read from the editor state. */
export function docText(page: Page): Promise<string> {
  return page.evaluate(() => window.ortak!.view.state.doc.textBetween(0, window.ortak!.view.state.doc.content.size, '\n'))
}

export async function waitForText(page: Page, what: string, check: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let text = ''
  while (Date.now() < deadline) {
    text = await docText(page)
    if (check(text)) return text
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const editorStatus = await status(page).catch((error: Error) => error.message)
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; document text is ${JSON.stringify(text)}, status ${JSON.stringify(editorStatus)}`)
}

export function status(page: Page): Promise<EditorStatus> {
  return page.evaluate(() => window.ortak!.status)
}

/** Waits, polling inside the page, until the editor's status satisfies `check` (a function run in the page). */
export async function waitForStatus(page: Page, check: (status: EditorStatus) => boolean, timeoutMs = 15_000): Promise<EditorStatus> {
  const source = check.toString()
  await page.waitForFunction(
    (fn) => !!window.ortak && (new Function(`return (${fn})`)() as (s: EditorStatus) => boolean)(window.ortak.status),
    source,
    { timeout: timeoutMs, polling: 20 },
  )
  return status(page)
}

/**
 * Presses a key that moves the caret natively (Home, End, arrows). The editor
 * learns of the move from a `selectionchange` event, which Chromium queues
 * behind input events when it is busy; waiting for a frame lets it arrive
 * before the next key is handled, as it would between a person's keystrokes.
 */
export async function moveCaret(page: Page, key: string): Promise<void> {
  await page.keyboard.press(key)
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
}

/**
 * Presses Home or End until the caret is at that edge of its line. Under
 * load Chromium sometimes drops the press that comes right after
 * ProseMirror has redrawn a block (an input rule turning "# " into a
 * heading), and the typing that follows lands in the wrong place. Pressing
 * again is harmless: at the edge, Home and End do nothing.
 */
export async function caretToLineEdge(page: Page, edge: 'Home' | 'End'): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    await moveCaret(page, edge)
    const isAtEdge = await page.evaluate((edge) => {
      const selection = window.getSelection()
      const node = selection?.focusNode
      if (!selection || !selection.isCollapsed || !node) return false
      const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : (node as Element)
      const block = element?.closest('p, h1, h2, h3, h4, h5, h6, pre')
      if (!block) return false
      const range = document.createRange()
      range.selectNodeContents(block)
      if (edge === 'End') range.setStart(node, selection.focusOffset)
      else range.setEnd(node, selection.focusOffset)
      // Other people's carets are widgets with their name in them, not text of the line.
      const between = range.cloneContents()
      for (const caret of between.querySelectorAll('.ProseMirror-yjs-cursor')) caret.remove()
      return between.textContent === ''
    }, edge)
    if (isAtEdge) return
  }
  throw new Error(`the caret did not reach the ${edge === 'End' ? 'end' : 'start'} of its line after 5 presses of ${edge}`)
}

/** Puts the caret at the end of the document's last textblock, through the keyboard as a user would. */
export async function caretToEnd(page: Page): Promise<void> {
  await page.locator('.ProseMirror').click()
  await moveCaret(page, 'Control+End')
}

/** Resolves once IndexedDB has committed every write the page started (a read-only transaction waits for them). */
export function offlineCopyFlushed(page: Page): Promise<number> {
  return page.evaluate(() => new Promise<number>((resolve, reject) => {
    indexedDB.databases().then((databases) => {
      const name = databases.map((d) => d.name).find((n) => n?.startsWith('ortak:'))
      if (!name) return reject(new Error('no ortak IndexedDB database in this page'))
      const request = indexedDB.open(name)
      request.onerror = () => reject(request.error)
      request.onsuccess = () => {
        const db = request.result
        const transaction = db.transaction(['updates', 'custom'], 'readonly')
        const count = transaction.objectStore('updates').count()
        transaction.oncomplete = () => {
          db.close()
          resolve(count.result)
        }
        transaction.onerror = () => reject(transaction.error)
      }
    }, reject)
  }))
}

/** How many connections the server's metrics count as refused or closed for `reason` (as in close-codes.ts). */
export async function refusalsCounted(serverUrl: string, reason: string): Promise<number> {
  const metrics = await (await fetch(`${serverUrl}/metrics`)).text()
  const line = metrics.split('\n').find((l) => l.startsWith(`ortak_connections_refused_total{reason="${reason}"}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

export interface HostSite {
  url: string
  close(): Promise<void>
}

/**
 * Another website, on its own port: it serves `pages` (path -> HTML) and
 * `files` (path -> file on disk), nothing else. Pages that embed the editor
 * live here, so they stay reachable while the Ortak server is down.
 */
export async function startHostSite(pages: Record<string, string>, files: Record<string, string> = {}): Promise<HostSite> {
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://host').pathname
    const page = pages[pathname]
    const file = files[pathname]
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      response.end(page)
    } else if (file !== undefined) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
      response.end(fs.readFileSync(file))
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' })
      response.end(`no page ${pathname}`)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** A page with one <ortak-editor> and nothing else; the element's handle is put on `window.ortak` for the tests. */
export function bareEditorPage(scriptSrc: string, attributes: Record<string, string>): string {
  const attributeText = Object.entries(attributes).map(([name, value]) => ` ${name}="${value}"`).join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embedded Ortak</title></head>
<body>
<script>document.addEventListener('ortak-ready', (event) => { window.ortak = event.detail })</script>
<script src="${scriptSrc}"></script>
<ortak-editor${attributeText}></ortak-editor>
</body></html>`
}

/**
 * The pages' windows side by side, as one image named `name`. With
 * UPDATE_SCREENSHOT=1 it replaces docs/`name` (shown in the README);
 * otherwise it goes to a temporary file, so a test run leaves the tree unchanged.
 */
export async function saveScreenshot(browser: Browser, pages: Page[], name: string, { background = '#d8dde5' } = {}): Promise<string> {
  // Let the carets blink into view and the toolbar state settle.
  await pages[0]!.waitForTimeout(200)
  const shots = await Promise.all(pages.map(async (page) => ({ png: (await page.screenshot()).toString('base64'), ...page.viewportSize()! })))
  const width = shots.reduce((sum, shot) => sum + shot.width, 0) + 24 * (shots.length - 1) + 40
  const composer = await browser.newPage({ viewport: { width, height: Math.max(...shots.map((shot) => shot.height)) + 40 } })
  await composer.setContent(`<body style="margin:0;padding:20px;display:flex;gap:24px;align-items:flex-start;background:${background}">${
    shots.map((shot) => `<img style="width:${shot.width}px;border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.18)" src="data:image/png;base64,${shot.png}">`).join('')
  }</body>`)
  await composer.waitForFunction(() => [...document.images].every((img) => img.complete))
  const file = process.env.UPDATE_SCREENSHOT === '1'
    ? path.join(repoRoot, 'docs', name)
    : path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-screenshot-')), name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await composer.screenshot({ path: file, fullPage: true })
  await composer.close()
  expect(fs.statSync(file).size).toBeGreaterThan(10_000)
  return file
}

/** What axe-core finds serious or critical on `page`, as "rule: element" lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source })
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} (${node.failureSummary ?? ''})`)))
  return violations
}

declare global {
  interface Window {
    axe: typeof axe
  }
}

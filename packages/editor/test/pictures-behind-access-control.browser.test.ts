/**
 * Pictures on a server with access control: the editor uploads with its
 * token as a bearer token and shows the room's files with `?token=` (an
 * <img> cannot send a header); the document keeps the address without it.
 * So do the views that are not the editor's own: a version's diff in the
 * history panel, and the read-only view of a document holding content the
 * editor cannot show.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { databaseFile } from '../../../server/src/server.js'
import { SqliteStorage } from '../../../server/src/storage/sqlite.js'
import { spawnServer, tempDir, type ServerProcess } from '../../../server/test/helpers.js'
import { png, sha256 } from '../../../server/test/pictures.js'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { paragraph, xmlElement, xmlText } from '../../schema/test/foreign-documents.js'
import { bareEditorPage, launchChromium, waitForStatus } from './browser.js'
import { drawnPicture, pasteImageFile } from './pictures-in-the-page.js'
import { builtWebAssets } from './web-assets.js'

/** The width of the picture `img` loaded, 0 while it has not (or could not). */
const loadedWidth = (img: Locator) => img.evaluate((element) => (element as HTMLImageElement).naturalWidth)

describe('pictures behind access control', { timeout: 90_000 }, () => {
  let server: ServerProcess
  let browser: Browser
  let writerToken: string
  let readerToken: string
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    writerToken = await token({ room: 'private', permission: 'write' })
    readerToken = await token({ room: 'private', permission: 'read' })
    tokens.versions = await token({ room: 'versions', permission: 'write' })
    tokens.legacy = await token({ room: 'legacy', permission: 'write' })
    // The pages are the Ortak server's own (same origin), as an app serving its editor next to the API has them.
    const editorDir = tempDir('ortak-editor-assets-')
    fs.cpSync(await builtWebAssets(), editorDir, { recursive: true })
    for (const [name, value] of [['writer', writerToken], ['reader', readerToken]] as const) {
      fs.writeFileSync(path.join(editorDir, `${name}.html`), bareEditorPage('/ortak-editor.js', { room: 'private', token: value, 'user-name': name }))
    }
    for (const room of ['versions', 'legacy']) {
      fs.writeFileSync(path.join(editorDir, `${room}.html`), bareEditorPage('/ortak-editor.js', { room, token: tokens[room]!, 'user-name': 'Ada' }))
    }
    // A room written by another editor (a Tiptap mark Ortak's schema lacks) holding one of its files, stored as an
    // older server stored it: this one refuses such updates.
    const dataDir = tempDir('ortak-e2e-')
    const storage = new SqliteStorage({ file: databaseFile(dataDir) })
    await storage.files.putFile('legacy', { hash: sha256(png), mediaType: 'image/png', bytes: png })
    const legacy = new Y.Doc()
    legacy.getXmlFragment('prosemirror').insert(0, [
      paragraph(xmlText('Some '), xmlText('bold', { bold: {} })),
      paragraph(xmlElement('image', [], { src: `/api/rooms/legacy/files/${sha256(png)}` })),
    ])
    await storage.append([{ room: 'legacy', update: Y.encodeStateAsUpdate(legacy), generation: 0 }])
    await storage.close()
    ;[server, browser] = await Promise.all([
      // Versions kept after 0.4 s without changes, for the history panel's test.
      spawnServer(dataDir, [], { EDITOR_DIR: editorDir, AUTH_SECRET: SECRET, VERSION_IDLE_MS: '400' }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.kill('SIGKILL')
  })

  /** Opens `pageName`.html online and pastes a 64x64 picture into its editor; resolves once the editor shows it. */
  async function pasteIntoPage(pageName: string) {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/${pageName}.html`)
    await waitForStatus(page, (s) => s.connection === 'online')
    await page.locator('.ProseMirror').click()
    await pasteImageFile(page, await drawnPicture(page, 'tile'))
    const img = page.locator('.ProseMirror img.ortak-image')
    await expect.poll(() => loadedWidth(img), { timeout: 15_000 }).toBe(64)
    return { context, page, img }
  }

  it('uploads with the token, shows the file with it, and keeps the token out of the document', async () => {
    const { context, page, img } = await pasteIntoPage('writer')
    const shown = new URL((await img.getAttribute('src'))!)
    expect(shown.searchParams.get('token')).toBe(writerToken)
    const stored = await page.evaluate(() => window.ortak!.doc.getXmlFragment('prosemirror').toString())
    expect(stored).toMatch(/<image src="\/api\/rooms\/private\/files\/[0-9a-f]{64}"/)
    expect(stored).not.toContain('token')

    // Without the token the file is not served.
    expect((await fetch(`${server.url}${shown.pathname}`)).status).toBe(401)
    await context.close()
  })

  it('a reader sees the picture, loaded with the reader’s own token', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/reader.html`)
    await waitForStatus(page, (s) => s.connection === 'online')
    const img = page.locator('.ProseMirror img.ortak-image')
    await expect.poll(() => loadedWidth(img), { timeout: 15_000 }).toBe(64)
    expect(new URL((await img.getAttribute('src'))!).searchParams.get('token')).toBe(readerToken)
    await context.close()
  })

  it('a version’s diff in the history panel shows the picture, loaded with the token', async () => {
    const { context, page } = await pasteIntoPage('versions')
    // The version the server keeps once the room is idle.
    await expect.poll(async () => {
      const response = await fetch(`${server.url}/api/rooms/versions/versions`, { headers: { authorization: `Bearer ${tokens.versions}` } })
      return ((await response.json()) as { versions: unknown[] }).versions.length
    }, { timeout: 15_000 }).toBeGreaterThan(0)
    await page.locator('[data-command=history]').click()
    await page.locator('.ortak-history-item').first().click()
    const shown = page.locator('.ortak-history-diff img.ortak-image')
    await expect.poll(() => loadedWidth(shown), { timeout: 15_000 }).toBe(64)
    expect(new URL((await shown.getAttribute('src'))!).searchParams.get('token')).toBe(tokens.versions)
    await context.close()
  })

  it('the read-only view of a document with content the editor cannot show shows its pictures, loaded with the token', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/legacy.html`)
    const { unshownContent } = await waitForStatus(page, (s) => s.unshownContent !== undefined)
    expect(unshownContent).toBe('mark "bold"')
    const shown = page.locator('.ProseMirror img.ortak-image')
    await expect.poll(() => loadedWidth(shown), { timeout: 15_000 }).toBe(2)
    expect(new URL((await shown.getAttribute('src'))!).searchParams.get('token')).toBe(tokens.legacy)
    await context.close()
  })
})

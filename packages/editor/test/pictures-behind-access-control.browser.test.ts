/**
 * Pictures on a server with access control: the editor uploads with its
 * token as a bearer token and shows the room's files with `?token=` (an
 * <img> cannot send a header); the document keeps the address without it.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnServer, tempDir, type ServerProcess } from '../../../server/test/helpers.js'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { bareEditorPage, launchChromium, waitForStatus } from './browser.js'
import { drawnPicture, pasteImageFile } from './pictures-in-the-page.js'
import { builtWebAssets } from './web-assets.js'

describe('pictures behind access control', { timeout: 90_000 }, () => {
  let server: ServerProcess
  let browser: Browser
  let writerToken: string
  let readerToken: string

  beforeAll(async () => {
    writerToken = await token({ room: 'private', permission: 'write' })
    readerToken = await token({ room: 'private', permission: 'read' })
    // The pages are the Ortak server's own (same origin), as an app serving its editor next to the API has them.
    const editorDir = tempDir('ortak-editor-assets-')
    fs.cpSync(await builtWebAssets(), editorDir, { recursive: true })
    for (const [name, value] of [['writer', writerToken], ['reader', readerToken]] as const) {
      fs.writeFileSync(path.join(editorDir, `${name}.html`), bareEditorPage('/ortak-editor.js', { room: 'private', token: value, 'user-name': name }))
    }
    ;[server, browser] = await Promise.all([
      spawnServer(tempDir('ortak-e2e-'), [], { EDITOR_DIR: editorDir, AUTH_SECRET: SECRET }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.kill('SIGKILL')
  })

  it('uploads with the token, shows the file with it, and keeps the token out of the document', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/writer.html`)
    await waitForStatus(page, (s) => s.connection === 'online')
    await page.locator('.ProseMirror').click()
    await pasteImageFile(page, await drawnPicture(page, 'tile'))
    const img = page.locator('.ProseMirror img.ortak-image')
    await expect.poll(() => img.evaluate((element) => (element as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(64)
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
    await expect.poll(() => img.evaluate((element) => (element as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(64)
    expect(new URL((await img.getAttribute('src'))!).searchParams.get('token')).toBe(readerToken)
    await context.close()
  })
})

/**
 * Read mode against a server that checks tokens: an editor given a `read`
 * token reads the document live, with the writer's caret, says why it
 * cannot edit, and sends no document update whatever the reader does (the
 * server closes a read connection with 4405 at the first one, so an open
 * connection and no 4405 in the server's log mean none arrived). And an
 * editor with a write token switches between modes on the same socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { bareEditorPage, caretToEnd, refusalsCounted, startHostSite, useServerAndBrowser, waitForStatus, waitForText, type HostSite } from './browser.js'

const ROOM = 'handbook'

/** The server's log lines for closing a read connection with 4405, each for a document update it sent. */
const readOnlyRefusals = (output: string[]) => output.join('').split('\n').filter((line) => /"code":4405/.test(line))

/** Remembers the editor's current socket in the page, to tell later whether it is still the same one. */
const rememberSocket = (page: Page) => page.evaluate(() => {
  ;(window as unknown as { firstSocket: unknown }).firstSocket = window.ortak!.provider.ws
})
const isSameSocket = (page: Page) => page.evaluate(() =>
  (window as unknown as { firstSocket: unknown }).firstSocket === window.ortak!.provider.ws && window.ortak!.provider.wsconnected)

describe('read mode', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser({ env: { AUTH_SECRET: SECRET } })
  let site: HostSite

  beforeAll(async () => {
    const script = `${session.server.url}/ortak-editor.js`
    const grant = (permission: 'read' | 'write', name: string) => token({ room: ROOM, permission, name, sub: name.toLowerCase() })
    site = await startHostSite({
      '/writer': bareEditorPage(script, { room: ROOM, token: await grant('write', 'Wren'), 'user-name': 'Wren', 'user-color': '#c2255c' }),
      '/reader': bareEditorPage(script, { room: ROOM, token: await grant('read', 'Rhea'), 'user-name': 'Rhea', 'user-color': '#1971c2' }),
    })
  }, 120_000)
  afterAll(async () => {
    await site?.close()
  })

  it('with a read token: the document live with the writer’s caret, a note, no toolbar action, and no update sent', async () => {
    const writerContext = await session.browser.newContext()
    const writer = await writerContext.newPage()
    await writer.goto(`${site.url}/writer`)
    await waitForStatus(writer, (s) => s.connection === 'online')
    await caretToEnd(writer)
    await writer.keyboard.type('Written by Wren.')

    const readerContext = await session.browser.newContext()
    const reader = await readerContext.newPage()
    const pageErrors: Error[] = []
    reader.on('pageerror', (error) => pageErrors.push(error))
    await reader.goto(`${site.url}/reader`)
    const status = await waitForStatus(reader, (s) => s.connection === 'online')
    expect(status).toMatchObject({ mode: 'read', hasReadOnlyAccess: true })
    await rememberSocket(reader)
    await waitForText(reader, 'the writer’s text', (text) => text === 'Written by Wren.')
    expect(await reader.locator('.ortak-status-note').textContent()).toBe('Read-only: your access to this document lets you read it, not change it.')
    expect(await reader.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
    expect(await reader.locator('.ortak-editor').getAttribute('data-mode')).toBe('read')
    const buttons = reader.locator('.ortak-toolbar .ortak-button')
    expect(await buttons.count()).toBeGreaterThan(10)
    // Only History, which reads, stays enabled.
    expect(await buttons.evaluateAll((all) => all.filter((b) => !(b as HTMLButtonElement).disabled).map((b) => (b as HTMLElement).dataset.command)))
      .toEqual(['history'])

    // The writer's caret and name show in the reader, live.
    await writer.keyboard.type(' More.')
    await waitForText(reader, 'the writer’s later text', (text) => text === 'Written by Wren. More.')
    await expect.poll(() => reader.locator('.ProseMirror-yjs-cursor').textContent()).toContain('Wren')

    // Everything a reader might do to change it.
    await reader.locator('.ProseMirror').click()
    await reader.keyboard.type('Rhea was here')
    await reader.keyboard.press('Control+a')
    await reader.keyboard.press('Backspace')
    await reader.keyboard.press('Control+b')
    await reader.keyboard.press('Control+z')
    await reader.locator('[data-command=heading1]').click({ force: true })
    await reader.locator('[data-command=bullet_list]').click({ force: true })
    const dispatched = await reader.evaluate(() => {
      const view = window.ortak!.view
      view.dispatch(view.state.tr.insertText('sneaked in ', 1))
      window.ortak!.setMode('edit')
      return window.ortak!.status.mode
    })
    expect(dispatched).toBe('read')
    await reader.keyboard.type('still nothing')

    // Wren's next words reach the reader after all of that: the read connection is still open and synced.
    await writer.keyboard.type(' Last.')
    await waitForText(reader, 'the writer’s last text', (text) => text === 'Written by Wren. More. Last.')
    await waitForText(writer, 'the writer’s own text, unchanged by the reader', (text) => text === 'Written by Wren. More. Last.')
    expect(await isSameSocket(reader)).toBe(true)
    expect(readOnlyRefusals(session.server.process.output)).toEqual([])
    expect(await refusalsCounted(session.server.url, 'read_only')).toBe(0)
    expect(await reader.evaluate(() => window.ortak!.status)).toMatchObject({ connection: 'online', mode: 'read', isSaved: true })
    // An editor opened to read keeps no offline copy, whose unsaved edits of an earlier session would go out.
    const offlineCopies = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).filter((d) => d.name?.startsWith('ortak:')).length)
    expect({ reader: await offlineCopies(reader), writer: await offlineCopies(writer) }).toEqual({ reader: 0, writer: 1 })
    expect(pageErrors).toEqual([])
    await Promise.all([writerContext.close(), readerContext.close()])
  })

  it('switches a writer to read mode and back on the same socket; the element’s mode attribute does the same', async () => {
    const context = await session.browser.newContext()
    const page = await context.newPage()
    await page.goto(`${site.url}/writer`)
    await waitForStatus(page, (s) => s.connection === 'online' && s.mode === 'edit')
    await rememberSocket(page)
    const before = await page.evaluate(() => window.ortak!.getJSON())

    await page.evaluate(() => window.ortak!.setMode('read'))
    await waitForStatus(page, (s) => s.mode === 'read')
    expect(await page.locator('.ortak-editor').getAttribute('data-mode')).toBe('read')
    expect(await page.locator('.ortak-status-note').textContent()).toBe('')
    await caretToEnd(page)
    await page.keyboard.type('not while reading')
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)))
    expect(await page.evaluate(() => window.ortak!.getJSON())).toEqual(before)

    await page.evaluate(() => window.ortak!.setMode('edit'))
    await caretToEnd(page)
    await page.keyboard.type(' Edited again.')
    await waitForText(page, 'the edit after switching back', (text) => text.endsWith(' Edited again.'))

    const handle = await page.evaluate(() => {
      const element = document.querySelector('ortak-editor')!
      const editor = window.ortak
      element.setAttribute('mode', 'read')
      return { isSameHandle: (element as unknown as { editor: unknown }).editor === editor, mode: window.ortak!.status.mode }
    })
    expect(handle).toEqual({ isSameHandle: true, mode: 'read' })
    await waitForStatus(page, (s) => s.isSaved)
    expect(await isSameSocket(page)).toBe(true)
    expect(readOnlyRefusals(session.server.process.output)).toEqual([])
    await context.close()
  })
})

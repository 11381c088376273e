/**
 * Offline editing, with the server really gone (kill -9), not a simulated
 * network flag: Chromium's offline mode leaves an open WebSocket open.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connectClient, synced } from '../../../server/test/helpers.js'
import {
  bareEditorPage, caretToEnd, docJson, offlineCopyFlushed, openDemo, startHostSite, status, useServerAndBrowser, waitForStatus, waitForText, type UserPage,
} from './browser.js'

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('editing offline', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()
  const users: UserPage[] = []

  afterEach(async () => {
    for (const user of users.splice(0)) await user.context.close()
  })

  it('both keep typing while the server is down; once it is back both have everything', async () => {
    const a = await openDemo(session.browser, session.server.url, 'offline-both', 'Ada')
    const b = await openDemo(session.browser, session.server.url, 'offline-both', 'Bo')
    users.push(a, b)
    await caretToEnd(a.page)
    await a.page.keyboard.type('Online part.')
    await waitForText(b.page, 'the online part in B', (text) => text === 'Online part.')

    await session.server.kill()
    await Promise.all([a, b].map(({ page }) => waitForStatus(page, (s) => s.connection === 'offline')))

    await a.page.keyboard.type(' Ada offline.')
    await caretToEnd(b.page)
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('Bo offline.')
    // While offline the status counts what is not stored yet.
    const offlineStatus = await status(a.page)
    expect(offlineStatus).toMatchObject({ connection: 'offline', isSaved: false })
    expect(offlineStatus.unsavedChanges).toBeGreaterThan(0)
    expect(await a.page.locator('.ortak-status').textContent()).toBe(`Offline${offlineStatus.unsavedChanges} unsaved changes`)

    await session.server.restart()
    for (const { page } of [a, b]) await waitForStatus(page, (s) => s.connection === 'online' && s.isSaved)
    const expected = 'Online part. Ada offline.\nBo offline.'
    await waitForText(a.page, 'everything in A', (text) => text === expected)
    await waitForText(b.page, 'everything in B', (text) => text === expected)
    expect(await docJson(a.page)).toEqual(await docJson(b.page))

    // The server has it too: a fresh y-websocket client reads it back.
    const reader = connectClient(session.server.wsUrl, 'offline-both')
    try {
      await synced(reader)
      expect(reader.doc.getXmlFragment('prosemirror').toString()).toBe('<paragraph>Online part. Ada offline.</paragraph><paragraph>Bo offline.</paragraph>')
    } finally {
      reader.destroy()
    }
  })

  it('a reload while offline keeps the offline edits (IndexedDB), and they reach the others once back', async () => {
    // A's page is another site embedding the editor, so it still loads while the Ortak server is down.
    const site = await startHostSite(
      { '/notes': bareEditorPage('/ortak-editor.js', { url: session.server.wsUrl, room: 'offline-reload', 'user-name': 'Ada', 'user-color': '#c2255c' }) },
      { '/ortak-editor.js': session.server.standaloneScript },
    )
    try {
      const context = await session.browser.newContext()
      const a: UserPage = { context, page: await context.newPage(), name: 'Ada' }
      users.push(a)
      await a.page.goto(`${site.url}/notes`)
      await waitForStatus(a.page, (s) => s.connection === 'online')
      const b = await openDemo(session.browser, session.server.url, 'offline-reload', 'Bo')
      users.push(b)
      await caretToEnd(a.page)
      await a.page.keyboard.type('Before.')
      await waitForText(b.page, 'A’s first words in B', (text) => text === 'Before.')

      await session.server.kill()
      await waitForStatus(a.page, (s) => s.connection === 'offline')
      await a.page.keyboard.type(' Typed offline, then reloaded.')
      const unsavedBeforeReload = (await waitForStatus(a.page, (s) => s.unsavedChanges > 0)).unsavedChanges
      expect(await offlineCopyFlushed(a.page)).toBeGreaterThan(0)

      await a.page.reload()
      // Still offline, still holding the edits, and still knowing they are not stored.
      await waitForStatus(a.page, (s) => s.connection === 'offline')
      await waitForText(a.page, 'the offline edit after the reload', (text) => text === 'Before. Typed offline, then reloaded.')
      expect(await status(a.page)).toMatchObject({ isSaved: false, unsavedChanges: unsavedBeforeReload })

      await session.server.restart()
      await waitForText(b.page, 'the offline edit in B', (text) => text === 'Before. Typed offline, then reloaded.')
      await waitForStatus(a.page, (s) => s.connection === 'online' && s.isSaved)
    } finally {
      await site.close()
    }
  })
})

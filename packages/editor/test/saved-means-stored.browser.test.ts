/**
 * "Saved" is a promise about the server's disk, so it is checked against
 * the server: while the server process is frozen nothing may read "Saved";
 * once it does, kill -9 and a restart must still have the change.
 */
import { describe, expect, it } from 'vitest'
import { connectClient, synced } from '../../../server/test/helpers.js'
import { caretToEnd, openDemo, status, useServerAndBrowser, waitForStatus, waitForText } from './browser.js'

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('the Saved status', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()


  it('appears only once the server has stored the change, which then survives kill -9', async () => {
    const { page } = await openDemo(session.browser, session.server.url, 'durable', 'Ada')
    await waitForStatus(page, (s) => s.isSaved)

    // Frozen, the server can neither store nor acknowledge; the socket stays open, so the editor stays "Online".
    session.server.process.child.kill('SIGSTOP')
    await caretToEnd(page)
    await page.keyboard.type('Durable words.')
    await waitForText(page, 'the typed words in the editor', (text) => text === 'Durable words.')
    expect(await status(page)).toMatchObject({ connection: 'online', isSaved: false })
    // Given time, still no "Saved": nothing but the server can produce it.
    await page.waitForTimeout(750)
    expect(await status(page)).toMatchObject({ isSaved: false })
    expect(await page.locator('.ortak-status').getAttribute('data-saved')).toBe('false')
    expect(await page.locator('.ortak-status-save').textContent()).toBe('Saving…')

    session.server.process.child.kill('SIGCONT')
    await page.waitForFunction(() => document.querySelector('.ortak-status')?.getAttribute('data-saved') === 'true', null, { polling: 10, timeout: 15_000 })
    await session.server.kill()
    expect(await page.locator('.ortak-status-save').textContent()).toBe('Saved')

    await session.server.restart()
    const reader = connectClient(session.server.wsUrl, 'durable')
    try {
      await synced(reader)
      expect(reader.doc.getXmlFragment('prosemirror').toString()).toBe('<paragraph>Durable words.</paragraph>')
    } finally {
      reader.destroy()
    }
  })
})

/**
 * The history panel in real browsers: two people edit, the server keeps a
 * version after each pause (VERSION_IDLE_MS shortened), the panel lists them,
 * a version's diff marks each person's insertions and deletions in their
 * colour, a restore reaches the other person live and the restorer undoes it.
 */
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { caretToEnd, caretToLineEdge, docText, openDemo, saveScreenshot, seriousViolations, useServerAndBrowser, waitForText, type UserPage } from './browser.js'

const IDLE_MS = 400

interface ListedVersion {
  id: number
  kind: string
  name: string | null
  restoredFrom: number | null
  authors: Array<{ name: string; verified: boolean }>
}

describe('version history in the editor', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser({ env: { VERSION_IDLE_MS: String(IDLE_MS) } })
  const users: UserPage[] = []
  afterEach(async () => {
    await Promise.all(users.splice(0).map((user) => user.context.close()))
  })

  async function versions(room: string): Promise<ListedVersion[]> {
    const response = await fetch(`${session.server.url}/api/rooms/${room}/versions`)
    expect(response.status).toBe(200)
    return ((await response.json()) as { versions: ListedVersion[] }).versions
  }

  async function waitForVersions(room: string, count: number): Promise<ListedVersion[]> {
    const deadline = Date.now() + 15_000
    let listed: ListedVersion[] = []
    while (Date.now() < deadline) {
      listed = await versions(room)
      if (listed.length >= count) return listed
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`timed out waiting for ${count} versions of ${room}; the server lists ${JSON.stringify(listed)}`)
  }

  /** Opens (or reopens, to reload the list) the panel and waits for `count` versions in it. */
  async function openHistory(page: Page, count: number): Promise<void> {
    const panel = page.locator('.ortak-history')
    if (await panel.isVisible()) await page.locator('.ortak-history [data-action=close]').click()
    await page.locator('[data-command=history]').click()
    await page.locator('.ortak-history-item').nth(count - 1).waitFor({ timeout: 10_000 })
    expect(await page.locator('.ortak-history-item').count()).toBe(count)
  }

  /** The diff's changes as [kind, text, colour], and the legend's colour for each name. */
  async function shownDiff(page: Page, versionIndex: number) {
    await page.locator('.ortak-history-item').nth(versionIndex).click()
    await page.locator('.ortak-history-message', { hasText: 'Changes since the version before' }).waitFor({ timeout: 10_000 })
    return page.evaluate(() => {
      const colour = (element: Element) => getComputedStyle(element).getPropertyValue('--ortak-person-color').trim()
      return {
        changes: [...document.querySelectorAll('.ortak-history-diff .ortak-change')].map((span) => [
          span.classList.contains('ortak-change-added') ? 'added' : 'removed', span.textContent, colour(span),
        ]),
        legend: Object.fromEntries([...document.querySelectorAll('.ortak-history-legend li')].map((entry) => [entry.textContent, colour(entry)])),
        isEditable: document.querySelector('.ortak-history-diff .ProseMirror')!.getAttribute('contenteditable'),
      }
    })
  }

  /** Ada and Ben in `room`, Ada's first words typed. */
  async function adaWritesToBen(room: string, words: string): Promise<[UserPage, UserPage]> {
    // Colours of their own (not picked at random), which carets label in white legibly.
    const ada = await openDemo(session.browser, session.server.url, room, 'Ada', { color: '#c2255c' })
    const ben = await openDemo(session.browser, session.server.url, room, 'Ben', { color: '#1971c2' })
    users.push(ada, ben)
    await caretToEnd(ada.page)
    await ada.page.keyboard.type(words)
    return [ada, ben]
  }

  it('lists versions with their authors, shows who inserted and deleted what, restores for everyone and undoes', async () => {
    const room = 'history-two'
    const [ada, ben] = await adaWritesToBen(room, 'Hello from Ada')
    await waitForText(ben.page, 'Ada’s text at Ben', (text) => text === 'Hello from Ada')
    const [first] = await waitForVersions(room, 1)
    expect(first!.authors).toEqual([{ id: null, name: 'Ada', verified: false }])

    // Ben deletes Ada's first word and adds his own at the end: a version by Ben alone.
    // (Positions 1..7 are "Hello " inside the first paragraph.)
    await ben.page.evaluate(() => window.ortak!.view.dispatch(window.ortak!.view.state.tr.delete(1, 7)))
    await caretToLineEdge(ben.page, 'End')
    await ben.page.keyboard.type(' and Ben')
    await waitForText(ada.page, 'Ben’s change at Ada', (text) => text === 'from Ada and Ben')
    const listed = await waitForVersions(room, 2)
    expect(listed.map((version) => version.authors.map((author) => author.name))).toEqual([['Ben'], ['Ada']])

    await openHistory(ada.page, 2)
    const items = await ada.page.locator('.ortak-history-item').allTextContents()
    // Newest first; no token here, so every author is marked unverified.
    expect(items[0]).toContain('Automatic version')
    expect(items[0]).toContain('Ben (unverified)')
    expect(items[1]).toContain('Ada (unverified)')

    const second = await shownDiff(ada.page, 0)
    const benColour = second.legend['Ben (unverified)']
    expect(benColour).toMatch(/^#[0-9a-f]{6}$/)
    // One author: every deletion in the version is theirs.
    expect(second.changes).toEqual([['removed', 'Hello ', benColour], ['added', ' and Ben', benColour]])
    expect(second.isEditable).toBe('false')
    expect(await ada.page.locator('.ortak-history-diff').innerText()).toBe('Hello from Ada and Ben')

    const firstDiff = await shownDiff(ada.page, 1)
    const adaColour = firstDiff.legend['Ada (unverified)']
    expect(firstDiff.changes).toEqual([['added', 'Hello from Ada', adaColour]])
    expect(adaColour).not.toBe(benColour)
    await saveScreenshot(session.browser, [ada.page, ben.page], 'history-diff.png')
    // The open panel, its list and the diff are as accessible as the rest of the editor.
    expect(await seriousViolations(ada.page)).toEqual([])

    // Looking at versions sends nothing: after the idle time there is still no new version, and both texts stand.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 3))
    expect((await versions(room)).length).toBe(2)
    expect(await docText(ben.page)).toBe('from Ada and Ben')

    // Restore the first version: Ben sees it live, and the server records it as a restore.
    await ada.page.locator('.ortak-history [data-action=restore]').click()
    await waitForText(ben.page, 'the restored version at Ben', (text) => text === 'Hello from Ada')
    await ada.page.locator('.ortak-history-message', { hasText: 'Restored for everyone' }).waitFor({ timeout: 15_000 })
    const [restore] = await versions(room)
    expect(restore).toMatchObject({ kind: 'restore', restoredFrom: first!.id })
    expect(restore!.name).toContain(`version ${first!.id}`)
    expect(await ada.page.locator('.ortak-history-item').count()).toBe(3)

    // Ada takes the restore back with undo; Ben sees that too.
    await ada.page.locator('.ortak-surface').focus()
    await ada.page.keyboard.press('Control+z')
    await waitForText(ben.page, 'the undone restore at Ben', (text) => text === 'from Ada and Ben')
    expect(await docText(ada.page)).toBe('from Ada and Ben')
  })

  it('keeps the edits of someone offline during a restore, merged on top once they are back', async () => {
    const room = 'history-offline'
    const [ada, ben] = await adaWritesToBen(room, 'Base text')
    await waitForVersions(room, 1)
    await ada.page.keyboard.type(' plus more')
    await waitForText(ben.page, 'Ada’s second edit at Ben', (text) => text === 'Base text plus more')
    await waitForVersions(room, 2)

    // Ben's socket goes away (the provider's own disconnect), and he writes on.
    await ben.page.evaluate(() => window.ortak!.provider.disconnect())
    await caretToEnd(ben.page)
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.type('Ben offline')

    await openHistory(ada.page, 2)
    await ada.page.locator('.ortak-history-item').nth(1).click()
    await ada.page.locator('.ortak-history-diff .ortak-change').first().waitFor({ timeout: 10_000 })
    await ada.page.locator('.ortak-history [data-action=restore]').click()
    await ada.page.locator('.ortak-history-message', { hasText: 'Restored for everyone' }).waitFor({ timeout: 15_000 })
    expect(await docText(ada.page)).toBe('Base text')

    await ben.page.evaluate(() => window.ortak!.provider.connect())
    const merged = 'Base text\nBen offline'
    await waitForText(ada.page, 'Ben’s offline paragraph at Ada', (text) => text === merged)
    await waitForText(ben.page, 'the restore at Ben, under his paragraph', (text) => text === merged)
  })

  it('saves a named version and offers neither saving nor restoring while reading', async () => {
    const room = 'history-named'
    const ada = await openDemo(session.browser, session.server.url, room, 'Ada')
    users.push(ada)
    await caretToEnd(ada.page)
    await ada.page.keyboard.type('Draft one')

    await ada.page.locator('[data-command=history]').click()
    await ada.page.locator('.ortak-history [data-action=save]').click()
    await ada.page.keyboard.type('First draft')
    await ada.page.keyboard.press('Enter')
    await ada.page.locator('.ortak-history-item', { hasText: 'First draft' }).waitFor({ timeout: 10_000 })
    const [named] = await versions(room)
    expect(named).toMatchObject({ kind: 'named', name: 'First draft' })

    // An empty name is not sent.
    await ada.page.locator('.ortak-history [data-action=save]').click()
    await ada.page.keyboard.press('Enter')
    expect(await ada.page.locator('.ortak-history-save input').getAttribute('aria-invalid')).toBe('true')
    // Escape closes the name field, then the panel, and the focus is back in the text.
    await ada.page.keyboard.press('Escape')
    expect(await ada.page.locator('.ortak-history-save').isVisible()).toBe(false)
    await ada.page.keyboard.press('Escape')
    expect(await ada.page.locator('.ortak-history').isVisible()).toBe(false)
    expect(await ada.page.evaluate(() => document.activeElement?.classList.contains('ortak-surface'))).toBe(true)
    await ada.page.locator('[data-command=history]').click()

    await ada.page.evaluate(() => window.ortak!.setMode('read'))
    await ada.page.locator('.ortak-history-item', { hasText: 'First draft' }).click()
    await ada.page.locator('.ortak-history-diff .ProseMirror').waitFor({ timeout: 10_000 })
    expect(await ada.page.locator('.ortak-history [data-action=save]').isVisible()).toBe(false)
    expect(await ada.page.locator('.ortak-history-save').isVisible()).toBe(false)
    expect(await ada.page.locator('.ortak-history [data-action=restore]').isVisible()).toBe(false)
    // The History button itself works while reading.
    expect(await ada.page.locator('[data-command=history]').isDisabled()).toBe(false)

    await ada.page.evaluate(() => window.ortak!.setMode('edit'))
    expect(await ada.page.locator('.ortak-history [data-action=restore]').isVisible()).toBe(true)
  })

  it('says what went wrong when the server refuses', async () => {
    const room = 'history-missing'
    const ada = await openDemo(session.browser, session.server.url, room, 'Ada')
    users.push(ada)
    // Nothing stored for the room yet: the server answers 404 with its reason, and the panel shows it.
    await ada.page.locator('[data-command=history]').click()
    await ada.page.locator('.ortak-history-message.ortak-history-error', { hasText: `no document is stored for room "${room}"` })
      .waitFor({ timeout: 10_000 })
  })
})

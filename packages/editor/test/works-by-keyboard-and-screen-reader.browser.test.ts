/**
 * The editor for people who use a keyboard or a screen reader: the toolbar
 * is one tab stop whose buttons the arrow keys, Home and End walk through,
 * its buttons say whether they are on, focus is visible, the people and the
 * connection are announced politely, and axe-core finds nothing serious or
 * critical on the demo page, light or dark, wide or phone-sized, in English
 * or Turkish.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { caretToEnd, openDemo, seriousViolations, useServerAndBrowser } from './browser.js'

const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.command ?? document.activeElement?.className)
const tabStops = (page: Page) => page.locator('.ortak-button[tabindex="0"]').evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.command))

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('the editor by keyboard and screen reader', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()

  it('has a toolbar the arrow keys, Home and End walk through, one tab stop, its state announced', async () => {
    const { page, context } = await openDemo(session.browser, session.server.url, 'keyboard', 'Ada')
    const toolbar = page.locator('.ortak-toolbar')
    expect(await toolbar.getAttribute('role')).toBe('toolbar')
    expect(await toolbar.getAttribute('aria-label')).toBe('Formatting')

    // The demo focuses the text; Shift+Tab reaches the toolbar's one tab stop.
    await page.locator('.ProseMirror').focus()
    await page.keyboard.press('Shift+Tab')
    expect(await focused(page)).toBe('strong')
    // The focus is visible: the outline drawn in the focus colour.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineColor)).toBe('rgb(47, 111, 235)')

    await page.keyboard.press('ArrowRight')
    expect(await focused(page)).toBe('em')
    // End reaches History, the last button; undo and redo have nothing to do in a fresh document: the arrows skip them.
    await page.keyboard.press('End')
    expect(await focused(page)).toBe('history')
    await page.keyboard.press('ArrowLeft')
    expect(await focused(page)).toBe('task_list')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    expect(await focused(page)).toBe('strong')
    await page.keyboard.press('Home')
    expect(await focused(page)).toBe('strong')
    expect(await tabStops(page)).toEqual(['strong'])
    // Tab leaves the toolbar for the text in one step.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.classList.contains('ProseMirror'))).toBe(true)

    await caretToEnd(page)
    await page.keyboard.type('Loud')
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Shift+Tab')
    expect(await focused(page)).toBe('strong')
    expect(await page.getAttribute('[data-command=strong]', 'aria-pressed')).toBe('false')
    await page.keyboard.press('Space')
    await expect.poll(() => page.getAttribute('[data-command=strong]', 'aria-pressed')).toBe('true')
    expect(await page.locator('.ProseMirror strong').textContent()).toBe('Loud')
    // Now there is something to undo, and the arrows reach it (redo, still idle, is skipped).
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('End')
    await page.keyboard.press('ArrowLeft')
    expect(await focused(page)).toBe('undo')
    expect(await tabStops(page)).toEqual(['undo'])
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('.ProseMirror strong').count()).toBe(0)

    // A button that stops applying (the link button in a code block) cannot keep the tab stop: it moves to one that can.
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Home')
    for (let step = 0; step < 4; step++) await page.keyboard.press('ArrowRight')
    expect(await focused(page)).toBe('link')
    await page.keyboard.press('Tab')
    await caretToEnd(page)
    await page.keyboard.press('Enter')
    await page.keyboard.type('```')
    await expect.poll(() => page.locator('[data-command=link]').isDisabled()).toBe(true)
    const [stop] = await tabStops(page)
    expect(await tabStops(page)).toHaveLength(1)
    expect(stop).not.toBe('link')
    await page.keyboard.press('Shift+Tab')
    expect(await focused(page)).toBe(stop)
    await context.close()
  })

  it('labels every control and announces the people and the connection politely', async () => {
    const a = await openDemo(session.browser, session.server.url, 'announced', 'Ada')
    const unlabelled = await a.page.locator('.ortak-editor button, .ortak-editor input').evaluateAll((controls) =>
      controls.filter((control) => !control.getAttribute('aria-label')?.trim() && !control.textContent?.trim()).map((control) => control.outerHTML))
    expect(unlabelled).toEqual([])
    expect(await a.page.locator('.ortak-status-connection').getAttribute('role')).toBe('status')
    expect(await a.page.locator('.ortak-status-connection').textContent()).toBe('Online')
    const announcement = a.page.locator('.ortak-people [aria-live="polite"]')
    expect(await announcement.textContent()).toBe('1 person in this document')

    const b = await openDemo(session.browser, session.server.url, 'announced', 'Bo')
    await expect.poll(() => announcement.textContent()).toBe('2 people in this document')
    await b.context.close()
    await expect.poll(() => announcement.textContent()).toBe('1 person in this document')
    await a.context.close()
  })

  const looks = [
    { name: 'light, wide', colorScheme: 'light' as const, viewport: { width: 900, height: 640 }, query: '' },
    { name: 'dark, wide', colorScheme: 'dark' as const, viewport: { width: 900, height: 640 }, query: '' },
    { name: 'light, phone, Turkish', colorScheme: 'light' as const, viewport: { width: 375, height: 667 }, query: '&lang=tr' },
    { name: 'dark theme chosen on a light system, phone', colorScheme: 'light' as const, viewport: { width: 375, height: 667 }, query: '&theme=dark' },
  ]
  for (const look of looks) {
    it(`passes axe-core with no serious or critical violation: ${look.name}`, async () => {
      const room = `axe-${look.name.replace(/\W+/g, '-')}`
      const other = await openDemo(session.browser, session.server.url, room, 'Bo Brummell', { color: '#1971c2' })
      const context = await session.browser.newContext({ colorScheme: look.colorScheme, viewport: look.viewport })
      const page = await context.newPage()
      await page.goto(`${session.server.url}/?room=${room}&name=Ada${look.query}`)
      await page.locator('.ortak-status[data-connection="online"]').waitFor()
      // Something of everything the editor draws: a heading, marks, a link, code, a list, a quote, a caret.
      await caretToEnd(page)
      await page.keyboard.type('# Plan\nWe ship on ')
      await page.keyboard.press('Control+b')
      await page.keyboard.type('Friday')
      await page.keyboard.press('Control+b')
      await page.keyboard.type(' with `code`.\n- a list item\n')
      await page.keyboard.press('Enter')
      await page.keyboard.type('> quoted')
      await caretToEnd(other.page)
      await other.page.keyboard.type('!')
      await page.locator('.ProseMirror-yjs-cursor').waitFor()
      expect(await seriousViolations(page)).toEqual([])
      await Promise.all([context.close(), other.context.close()])
    })
  }
})

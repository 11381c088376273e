/**
 * The editor on a phone (Chromium with a 375×667 mobile viewport and a
 * touch screen): the toolbar buttons that do not fit are reachable and
 * shown to be there, the people list folds into a count when its chips do
 * not fit, and typing, placing the caret by touch, selecting and the
 * others' carets all work.
 */
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { caretToEnd, docJson, openDemo, useServerAndBrowser, waitForText, type UserPage } from './browser.js'

/** Whether `button` lies wholly inside the toolbar's visible box. */
async function isInView(page: Page, button: Locator): Promise<boolean> {
  const [box, toolbar] = await Promise.all([button.boundingBox(), page.locator('.ortak-toolbar').boundingBox()])
  return !!box && !!toolbar && box.x >= toolbar.x - 1 && box.x + box.width <= toolbar.x + toolbar.width + 1
}

const scrollLeft = (page: Page) => page.locator('.ortak-toolbar').evaluate((el) => el.scrollLeft)

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('the editor on a phone', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()
  const open = (room: string, name: string, color?: string): Promise<UserPage> =>
    openDemo(session.browser, session.server.url, room, name, { isPhone: true, ...(color ? { color } : {}) })

  it('shows that the toolbar has more buttons, and brings them in with a tap', async () => {
    const { page, context } = await open('phone-toolbar', 'Ada')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    const frame = page.locator('.ortak-toolbar-frame')
    const forward = page.locator('.ortak-toolbar-scroll[data-direction=forward]')
    const back = page.locator('.ortak-toolbar-scroll[data-direction=back]')
    const codeBlock = page.locator('[data-command=code_block]')
    expect(await frame.getAttribute('data-overflow')).toBe('end')
    expect(await forward.isVisible()).toBe(true)
    expect(await back.isVisible()).toBe(false)
    expect(await forward.getAttribute('aria-label')).toBe('Show more buttons')
    expect(await isInView(page, codeBlock)).toBe(false)

    await caretToEnd(page)
    await page.keyboard.type('let x = 1')
    // Each tap scrolls by most of a screen; the code block button comes into view within a few.
    for (let tap = 0; tap < 4 && !(await isInView(page, codeBlock)); tap++) {
      const before = await scrollLeft(page)
      await forward.tap()
      await expect.poll(() => scrollLeft(page)).toBeGreaterThan(before)
      await page.waitForTimeout(400)
    }
    expect(await isInView(page, codeBlock)).toBe(true)
    expect(await back.isVisible()).toBe(true)
    expect(await frame.getAttribute('data-overflow')).toMatch(/start/)
    await codeBlock.tap()
    await expect.poll(() => docJson(page)).toEqual({ type: 'doc', content: [{ type: 'code_block', content: [{ type: 'text', text: 'let x = 1' }] }] })

    // To the end: the forward arrow goes, the back arrow brings the first buttons again.
    for (let tap = 0; tap < 4 && (await forward.isVisible()); tap++) {
      await forward.tap()
      await page.waitForTimeout(400)
    }
    expect(await frame.getAttribute('data-overflow')).toBe('start')
    expect(await isInView(page, page.locator('[data-command=redo]'))).toBe(true)
    for (let tap = 0; tap < 4 && (await back.isVisible()); tap++) {
      await back.tap()
      await page.waitForTimeout(400)
    }
    expect(await frame.getAttribute('data-overflow')).toBe('end')
    expect(await isInView(page, page.locator('[data-command=strong]'))).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await context.close()
  })

  it('folds the people into a count when their chips do not fit, and unfolds when they do', async () => {
    const a = await open('phone-people', 'Ada Lovelace')
    // Folding inside a ResizeObserver must not make the observer loop (an error event on the window).
    await a.page.evaluate(() => {
      const errors: string[] = []
      window.addEventListener('error', (event) => errors.push(event.message))
      Object.assign(window, { errors })
    })
    const people = a.page.locator('.ortak-people')
    const count = a.page.locator('.ortak-presence-count')
    expect(await people.getAttribute('data-folded')).toBeNull()
    expect(await a.page.locator('.ortak-person-name').first().isVisible()).toBe(true)
    const others = [await open('phone-people', 'Bo Brummell'), await open('phone-people', 'Cem Yılmaz')]
    await expect.poll(() => count.isVisible()).toBe(true)
    expect(await people.getAttribute('data-folded')).toBe('')
    expect(await count.textContent()).toBe('3')
    expect(await count.getAttribute('title')).toBe('Ada Lovelace, Bo Brummell, Cem Yılmaz')
    // Folded for the eyes only: a screen reader still has the list with every name.
    expect(await a.page.locator('.ortak-presence').getAttribute('aria-label')).toBe('3 people in this document')
    expect(await a.page.locator('.ortak-person-name').allTextContents()).toEqual(['Ada Lovelace (you)', 'Bo Brummell', 'Cem Yılmaz'])
    expect(await a.page.locator('.ortak-status-connection').isVisible()).toBe(true)

    // The same three fit side by side in a wide window.
    const wide = await openDemo(session.browser, session.server.url, 'phone-people', 'Deniz')
    expect(await wide.page.locator('.ortak-people').getAttribute('data-folded')).toBeNull()
    await wide.context.close()

    for (const other of others) await other.context.close()
    await expect.poll(() => count.isVisible()).toBe(false)
    expect(await people.getAttribute('data-folded')).toBeNull()
    expect(await a.page.locator('.ortak-person-name').isVisible()).toBe(true)
    // Narrower and wider again, as a phone turned sideways and back.
    await a.page.setViewportSize({ width: 667, height: 375 })
    await a.page.setViewportSize({ width: 320, height: 667 })
    await a.page.waitForTimeout(100)
    expect(await a.page.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual([])
    await a.context.close()
  })

  it('types, places the caret by touch, selects and shows the others’ carets', async () => {
    const a = await open('phone-typing', 'Ada', '#c2255c')
    const b = await open('phone-typing', 'Bo', '#1971c2')
    await a.page.locator('.ProseMirror').tap()
    await a.page.keyboard.type('Hello phone world')
    await waitForText(b.page, 'A’s text at B', (text) => text === 'Hello phone world')

    // B sees A's caret, its name label on the screen.
    const caret = b.page.locator('.ProseMirror-yjs-cursor', { hasText: 'Ada' })
    await caret.waitFor({ timeout: 10_000 })
    const label = await caret.locator('div').boundingBox()
    expect(label!.x).toBeGreaterThanOrEqual(0)
    expect(label!.x + label!.width).toBeLessThanOrEqual(375)

    // A tap between "Hello " and "phone" puts the caret there.
    const at = await a.page.evaluate(() => {
      const view = window.ortak!.view
      const pos = 1 + 'Hello '.length
      const coords = view.coordsAtPos(pos)
      return { pos, x: coords.left, y: (coords.top + coords.bottom) / 2 }
    })
    await a.page.touchscreen.tap(at.x, at.y)
    await expect.poll(() => a.page.evaluate(() => window.ortak!.view.state.selection.from)).toBe(at.pos)
    await a.page.keyboard.type('big ')
    await waitForText(b.page, 'the word typed where A tapped', (text) => text === 'Hello big phone world')

    // A selects "phone" (as the phone's selection handles do, through the DOM selection) and taps Bold.
    await a.page.evaluate(() => {
      // B's caret is a widget inside the paragraph, so the word is looked for among its text nodes.
      const walker = document.createTreeWalker(document.querySelector('.ProseMirror p')!, NodeFilter.SHOW_TEXT)
      let text = walker.nextNode()
      while (text && !text.textContent!.includes('phone')) text = walker.nextNode()
      if (!text) throw new Error('no text node holds "phone"')
      const start = text.textContent!.indexOf('phone')
      window.getSelection()!.setBaseAndExtent(text, start, text, start + 'phone'.length)
    })
    await expect.poll(() => a.page.evaluate(() => {
      const { from, to } = window.ortak!.view.state.selection
      return window.ortak!.view.state.doc.textBetween(from, to)
    })).toBe('phone')
    // B sees A's selection.
    await expect.poll(() => b.page.locator('.ProseMirror-yjs-selection').allTextContents()).toEqual(['phone'])
    await a.page.locator('[data-command=strong]').tap()
    const expected = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [
        { type: 'text', text: 'Hello big ' }, { type: 'text', text: 'phone', marks: [{ type: 'strong' }] }, { type: 'text', text: ' world' },
      ] }],
    }
    await expect.poll(() => docJson(b.page)).toEqual(expected)
    // The tap kept the selection in the text: typing goes on replacing it.
    await a.page.keyboard.type('tablet')
    await waitForText(b.page, 'the selection replaced', (text) => text === 'Hello big tablet world')
    await Promise.all([a.context.close(), b.context.close()])
  })
})

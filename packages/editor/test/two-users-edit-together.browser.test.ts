/**
 * Two people in two browsers, one document: what one types, formats and
 * undoes shows up at the other, with named carets and a presence list.
 */
import { describe, expect, it } from 'vitest'
import {
  caretToEnd, caretToLineEdge, docJson, docText, moveCaret, openDemo, saveSideBySideScreenshot, useServerAndBrowser, waitForText, type UserPage,
} from './browser.js'

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('two users in one document', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()
  const users: UserPage[] = []
  const open = async (room: string, name: string, options?: Parameters<typeof openDemo>[4]) => {
    const user = await openDemo(session.browser, session.server.url, room, name, options)
    users.push(user)
    return user
  }


  it('see each other’s text, caret with name, formatting and presence', async () => {
    const a = await open('together', 'Ada', { color: '#c2255c' })
    const b = await open('together', 'Bo', { color: '#1971c2' })

    await caretToEnd(a.page)
    await a.page.keyboard.type('Launch')
    await waitForText(b.page, 'A’s text in B', (text) => text === 'Launch')

    // B shows A's caret, labelled with A's name in A's colour.
    const caret = b.page.locator('.ProseMirror-yjs-cursor', { hasText: 'Ada' })
    await caret.waitFor({ timeout: 10_000 })
    expect(await caret.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(194, 37, 92)')

    // Formatting made in A: a heading (markdown shortcut at the start of the line), a bold word, a list.
    await caretToLineEdge(a.page, 'Home')
    await a.page.keyboard.type('# ')
    await caretToLineEdge(a.page, 'End')
    await a.page.keyboard.type(' plan')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('We ship on ')
    await a.page.keyboard.press('Control+b')
    await a.page.keyboard.type('Friday')
    await a.page.keyboard.press('Control+b')
    await a.page.keyboard.type('. Add what is missing.')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('- Write the release notes')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('Record the demo video')
    await waitForText(b.page, 'the formatted blocks in B', (text) => text.endsWith('Record the demo video'))

    // An ordinary item: `checked` null (a task item has true or false).
    const item = (text: string) => ({ type: 'list_item', attrs: { checked: null }, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] })
    expect(await docJson(b.page)).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Launch plan' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'We ship on ' },
            { type: 'text', text: 'Friday', marks: [{ type: 'strong' }] },
            { type: 'text', text: '. Add what is missing.' },
          ],
        },
        { type: 'bullet_list', content: [item('Write the release notes'), item('Record the demo video')] },
      ],
    })
    expect(await docJson(a.page)).toEqual(await docJson(b.page))

    // The toolbar shows what is active where the caret is: the list here, bold inside the bold word.
    expect(await a.page.getAttribute('[data-command=bullet_list]', 'aria-pressed')).toBe('true')
    expect(await a.page.getAttribute('[data-command=strong]', 'aria-pressed')).toBe('false')
    await a.page.locator('.ProseMirror strong').click()
    await expect.poll(() => a.page.getAttribute('[data-command=strong]', 'aria-pressed')).toBe('true')

    // Presence: both names, with their colours, in both windows.
    for (const { page } of [a, b]) {
      await expect.poll(() => page.locator('.ortak-person-name').allTextContents()).toHaveLength(2)
    }
    expect(await a.page.locator('.ortak-person-name').allTextContents()).toEqual(['Ada (you)', 'Bo'])
    expect(await b.page.locator('.ortak-person-name').allTextContents()).toEqual(['Bo (you)', 'Ada'])
    expect(await b.page.locator('.ortak-person[title="Ada"] .ortak-person-badge').evaluate((el) => getComputedStyle(el).backgroundColor))
      .toBe('rgb(194, 37, 92)')

    // B types too, so each window shows the other's caret, and the screenshot for the README is taken.
    await caretToEnd(b.page)
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('Update the screenshots')
    await waitForText(a.page, 'B’s edit in A', (text) => text.endsWith('Record the demo video\nUpdate the screenshots'))
    await a.page.locator('.ProseMirror-yjs-cursor', { hasText: 'Bo' }).waitFor({ timeout: 10_000 })
    await saveSideBySideScreenshot(session.browser, a, b, 'screenshot.png')

    // A third person joins and leaves: everyone's list follows.
    const cy = await open('together', 'Cy')
    await expect.poll(() => a.page.locator('.ortak-person-name').allTextContents()).toEqual(['Ada (you)', 'Bo', 'Cy'])
    await cy.context.close()
    users.splice(users.indexOf(cy), 1)
    await expect.poll(() => a.page.locator('.ortak-person-name').allTextContents()).toEqual(['Ada (you)', 'Bo'])
    await expect.poll(() => b.page.locator('.ortak-person-name').allTextContents()).toEqual(['Bo (you)', 'Ada'])
  })

  it('type at the same spot at the same time and end with the same text, no keystroke lost', async () => {
    const a = await open('same-spot', 'Ada')
    const b = await open('same-spot', 'Bo')
    await caretToEnd(a.page)
    await a.page.keyboard.type('Start:')
    await waitForText(b.page, 'the shared start in B', (text) => text === 'Start:')
    await caretToEnd(b.page)

    const typedByA = 'abcdefghijklmnopqrstuvwxyz'
    const typedByB = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    await Promise.all([a.page.keyboard.type(typedByA, { delay: 5 }), b.page.keyboard.type(typedByB, { delay: 5 })])

    const expectedLength = 'Start:'.length + typedByA.length + typedByB.length
    const textInA = await waitForText(a.page, 'every keystroke in A', (text) => text.length === expectedLength)
    await waitForText(b.page, 'the same text in B', (text) => text === textInA)
    expect(await docJson(a.page)).toEqual(await docJson(b.page))
    // Each person's letters arrive whole and in order, however they interleave.
    expect(textInA.startsWith('Start:')).toBe(true)
    const typed = textInA.slice('Start:'.length)
    expect(typed.replace(/[^a-z]/g, '')).toBe(typedByA)
    expect(typed.replace(/[^A-Z]/g, '')).toBe(typedByB)
  })

  it('undo in A takes back only A’s last change, never B’s', async () => {
    const a = await open('undo', 'Ada')
    const b = await open('undo', 'Bo')
    await caretToEnd(a.page)
    await a.page.keyboard.type('Written by Ada.')
    await waitForText(b.page, 'A’s first sentence in B', (text) => text === 'Written by Ada.')
    // Edits less than half a second apart are one undo step; this pause makes the next sentence its own.
    await a.page.waitForTimeout(700)
    await a.page.keyboard.type(' Second thought.')
    await caretToEnd(b.page)
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('Written by Bo.')
    await waitForText(a.page, 'both in A', (text) => text === 'Written by Ada. Second thought.\nWritten by Bo.')

    await a.page.keyboard.press('Control+z')
    await waitForText(a.page, 'A’s last change undone in A', (text) => text === 'Written by Ada.\nWritten by Bo.')
    await waitForText(b.page, 'the undo reaching B', (text) => text === 'Written by Ada.\nWritten by Bo.')

    await a.page.keyboard.press('Control+Shift+z')
    await waitForText(b.page, 'the redo reaching B', (text) => text === 'Written by Ada. Second thought.\nWritten by Bo.')
    expect(await docText(a.page)).toBe('Written by Ada. Second thought.\nWritten by Bo.')
  })

  it('is usable at phone width: nothing wider than the screen, the toolbar works', async () => {
    const phone = await open('phone', 'Ada', { viewport: { width: 375, height: 720 } })
    const { page } = phone
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await caretToEnd(page)
    await page.keyboard.type('Quote me')
    await page.locator('[data-command=blockquote]').click()
    await expect.poll(() => docJson(page)).toEqual({
      type: 'doc',
      content: [{ type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Quote me' }] }] }],
    })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    expect(await page.locator('.ortak-status').textContent()).toMatch(/Online/)

    // A link through the toolbar's form: code-running targets are refused, a bare domain gets https://.
    await moveCaret(page, 'Shift+Home')
    await page.locator('[data-command=link]').click()
    const address = page.locator('.ortak-link-form input')
    await address.fill('javascript:alert(1)')
    await address.press('Enter')
    expect(await address.getAttribute('aria-invalid')).toBe('true')
    await address.fill('example.com/quote')
    await address.press('Enter')
    await expect.poll(() => docJson(page)).toEqual({
      type: 'doc',
      content: [{
        type: 'blockquote',
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Quote me', marks: [{ type: 'link', attrs: { href: 'https://example.com/quote', title: null } }] }] }],
      }],
    })
    expect(await page.locator('.ortak-link-form').isHidden()).toBe(true)
  })
})

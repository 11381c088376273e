/**
 * A page chooses how the editor looks and speaks: its theme, which toolbar
 * buttons it shows, the placeholder of an empty document (which never
 * reaches the shared document), and its language, shipped or the page's
 * own words. The dark and Turkish screenshots in docs/ are made here.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectClient, synced, waitFor } from '../../../server/test/helpers.js'
import { caretToEnd, saveScreenshot, startHostSite, useServerAndBrowser, waitForStatus, waitForText, type HostSite } from './browser.js'

/** A page of `<ortak-editor>` elements, one per attribute set, in a document of language `lang`. */
function editorsPage(scriptSrc: string, lang: string, elements: Array<Record<string, string>>, bodyStyle = ''): string {
  const tags = elements.map((attributes) =>
    `<ortak-editor${Object.entries(attributes).map(([name, value]) => ` ${name}="${value}"`).join('')}></ortak-editor>`)
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Embedded Ortak</title></head>
<body style="margin:0;padding:12px;display:grid;gap:12px;${bodyStyle}">
<script>document.addEventListener('ortak-ready', (event) => { window.ortak = event.detail })</script>
<script src="${scriptSrc}"></script>
${tags.join('\n')}
</body></html>`
}

const backgroundOf = (page: Page, room: string) =>
  page.locator(`ortak-editor[room="${room}"] .ortak-editor`).evaluate((el) => getComputedStyle(el).backgroundColor)
const buttonsOf = (page: Page, room: string) =>
  page.locator(`ortak-editor[room="${room}"] .ortak-button`).evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.command))

const white = 'rgb(255, 255, 255)'
const darkBackground = 'rgb(22, 24, 29)'

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('the editor as the page asks it to look and speak', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()
  let site: HostSite

  beforeAll(async () => {
    const script = `${session.server.url}/ortak-editor.js`
    site = await startHostSite({
      '/themes': editorsPage(script, 'en', [
        { room: 'theme-light', theme: 'light' }, { room: 'theme-dark', theme: 'dark' }, { room: 'theme-auto' },
      ]),
      '/toolbars': editorsPage(script, 'en', [
        { room: 'toolbar-some', toolbar: 'strong, em  undo' }, { room: 'toolbar-none', toolbar: 'false' },
        { room: 'toolbar-wrong', toolbar: 'strong bold' }, { room: 'theme-wrong', theme: 'blue' },
      ]),
      '/placeholder': editorsPage(script, 'en', [{ room: 'placeholder', placeholder: 'Write the minutes…', 'user-name': 'Ada' }]),
      '/turkish': editorsPage(script, 'tr', [{ room: 'turkish' }, { room: 'english-in-turkish', lang: 'en' }]),
      '/api': editorsPage(script, 'en', []),
      '/dark-pair': editorsPage(script, 'en', [{ room: 'dark-shot', theme: 'dark', 'user-name': 'Ada Lovelace', 'user-color': '#e64980' }], 'background:#0f1115'),
      '/dark-pair-2': editorsPage(script, 'en', [{ room: 'dark-shot', theme: 'dark', 'user-name': 'Bo Brummell', 'user-color': '#4dabf7' }], 'background:#0f1115'),
      '/turkish-pair': editorsPage(script, 'tr', [{ room: 'turkish-shot', 'user-name': 'Deniz Yıldız', 'user-color': '#c2255c' }], 'background:#f3f4f7'),
      '/turkish-pair-2': editorsPage(script, 'tr', [{ room: 'turkish-shot', 'user-name': 'Emre Çelik', 'user-color': '#1971c2' }], 'background:#f3f4f7'),
    })
  }, 120_000)
  afterAll(async () => {
    await site?.close()
  })

  const openPage = async (path: string, { colorScheme = 'light' as 'light' | 'dark', viewport = { width: 900, height: 640 } } = {}) => {
    const context = await session.browser.newContext({ colorScheme, viewport })
    const page = await context.newPage()
    const consoleErrors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    await page.goto(`${site.url}${path}`)
    return { context, page, consoleErrors }
  }

  it('takes the theme it is given, and follows the system for auto', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await openPage('/themes', { colorScheme })
      await page.locator('.ortak-editor').nth(2).waitFor()
      expect(await backgroundOf(page, 'theme-light')).toBe(white)
      expect(await backgroundOf(page, 'theme-dark')).toBe(darkBackground)
      expect(await backgroundOf(page, 'theme-auto')).toBe(colorScheme === 'dark' ? darkBackground : white)
      expect(await page.locator('ortak-editor[room="theme-dark"] .ortak-editor').getAttribute('data-theme')).toBe('dark')
      // A page's own value for a property wins over the theme's.
      await page.addStyleTag({ content: 'ortak-editor[room="theme-dark"] .ortak-editor { --ortak-background: #102030 }' })
      expect(await backgroundOf(page, 'theme-dark')).toBe('rgb(16, 32, 48)')
      await context.close()
    }
  })

  it('shows the toolbar buttons it is given, none, or says which name it does not know', async () => {
    const { context, page, consoleErrors } = await openPage('/toolbars')
    await page.locator('ortak-editor[room="toolbar-none"] .ProseMirror').waitFor()
    expect(await buttonsOf(page, 'toolbar-some')).toEqual(['strong', 'em', 'undo'])
    expect(await buttonsOf(page, 'toolbar-none')).toEqual([])
    expect(await page.locator('ortak-editor[room="toolbar-none"] .ortak-toolbar-frame').isHidden()).toBe(true)

    // Without a toolbar the shortcuts still work, the link form (Mod-k) too.
    const none = page.locator('ortak-editor[room="toolbar-none"]')
    await none.locator('.ProseMirror').click()
    await page.keyboard.type('plain')
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Control+b')
    expect(await none.locator('.ProseMirror strong').textContent()).toBe('plain')
    await page.keyboard.press('Control+k')
    expect(await none.locator('.ortak-link-form').isVisible()).toBe(true)

    expect(await page.locator('ortak-editor[room="toolbar-wrong"]').textContent())
      .toBe('ortak-editor: toolbar has no button "bold"; the buttons are strong, em, strike, code, link, heading1, heading2, heading3, bullet_list, ordered_list, blockquote, code_block, horizontal_rule, table, image, image_description, task_list, undo, redo, history')
    expect(await page.locator('ortak-editor[room="theme-wrong"]').textContent()).toBe('ortak-editor: theme must be light, dark or auto, got "blue"')
    expect(consoleErrors.filter((text) => text.startsWith('<ortak-editor>: '))).toHaveLength(2)
    await context.close()
  })

  it('shows the placeholder in an empty document only, and never stores it', async () => {
    const reader = connectClient(session.server.wsUrl, 'placeholder')
    const { context, page } = await openPage('/placeholder')
    try {
      await synced(reader)
      await waitForStatus(page, (s) => s.connection === 'online')
      const placeholder = page.locator('.ProseMirror .ortak-placeholder')
      expect(await placeholder.getAttribute('data-placeholder')).toBe('Write the minutes…')
      expect(await placeholder.evaluate((el) => getComputedStyle(el, '::before').content)).toBe('"Write the minutes…"')

      await caretToEnd(page)
      await page.keyboard.type('Minutes')
      await waitFor('the text at the server', () => reader.doc.getXmlFragment('prosemirror').toString() === '<paragraph>Minutes</paragraph>')
      expect(await placeholder.count()).toBe(0)
      for (let i = 0; i < 'Minutes'.length; i++) await page.keyboard.press('Backspace')
      await waitFor('the emptied paragraph at the server', () => reader.doc.getXmlFragment('prosemirror').toString() === '<paragraph></paragraph>')
      await placeholder.waitFor({ timeout: 5_000 })
      expect(reader.doc.getXmlFragment('prosemirror').toString()).not.toContain('minutes')
    } finally {
      reader.destroy()
      await context.close()
    }
  })

  it('speaks the page’s language, its own lang attribute’s, or the page’s own words over English', async () => {
    const { context, page } = await openPage('/turkish')
    const turkish = page.locator('ortak-editor[room="turkish"]')
    const english = page.locator('ortak-editor[room="english-in-turkish"]')
    await turkish.locator('.ortak-status[data-connection="online"]').waitFor()
    await english.locator('.ortak-status[data-connection="online"]').waitFor()
    expect(await turkish.locator('.ortak-editor').getAttribute('lang')).toBe('tr')
    expect(await turkish.locator('[role=toolbar]').getAttribute('aria-label')).toBe('Biçimlendirme')
    expect(await turkish.locator('[data-command=strong]').getAttribute('aria-label')).toBe('Kalın')
    expect(await turkish.locator('[data-command=heading2]').getAttribute('title')).toBe('Başlık 2 (Ctrl+Alt+2)')
    expect(await turkish.locator('.ortak-status-connection').textContent()).toBe('Çevrimiçi')
    expect(await turkish.locator('.ortak-status-save').textContent()).toBe('Kaydedildi')
    expect(await turkish.locator('.ProseMirror').getAttribute('aria-label')).toBe('Belge turkish')
    expect(await turkish.locator('.ortak-placeholder').getAttribute('data-placeholder')).toBe('Yazmaya başlayın…')
    expect(await turkish.locator('.ortak-person-name').allTextContents()).toEqual([expect.stringMatching(/ \(siz\)$/)])
    expect(await turkish.locator('.ortak-presence').getAttribute('aria-label')).toBe('Bu belgede 1 kişi')
    expect(await english.locator('[data-command=strong]').getAttribute('aria-label')).toBe('Bold')
    expect(await english.locator('.ortak-editor').getAttribute('lang')).toBe('en')

    // The link form speaks Turkish too.
    await turkish.locator('.ProseMirror').click()
    await page.keyboard.press('Control+k')
    const address = turkish.locator('.ortak-link-form input')
    expect(await address.getAttribute('aria-label')).toBe('Bağlantı adresi')
    expect(await address.getAttribute('placeholder')).toBe('Bir bağlantı yapıştırın ya da yazın')
    expect(await turkish.locator('.ortak-link-form button[type=submit]').textContent()).toBe('Uygula')
    await context.close()

    const api = await openPage('/api')
    const result = await api.page.evaluate((url) => {
      const { createEditor } = (window as unknown as { Ortak: typeof import('../src/index.js') }).Ortak
      const host = document.body.appendChild(document.createElement('div'))
      const user = { name: 'Ada', color: '#c2255c' }
      const editor = createEditor(host, { url, room: 'german', user, lang: 'de', messages: { bold: 'Fett', placeholder: 'Schreiben Sie…' } })
      const label = (name: string) => host.querySelector(`[data-command=${name}]`)!.getAttribute('aria-label')
      const shown = {
        lang: host.querySelector('.ortak-editor')!.getAttribute('lang'), bold: label('strong'), italic: label('em'),
        placeholder: host.querySelector('.ortak-placeholder')!.getAttribute('data-placeholder'),
      }
      editor.destroy()
      const refusals = [{ messages: { bolld: 'Fett' } }, { toolbar: 'strong' }, { placeholder: 5 }, { theme: 'Dark' }].map((wrong) => {
        try {
          createEditor(host, { url, room: 'german', user, ...wrong } as never)
          return 'taken'
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`
        }
      })
      return { shown, refusals, leftBehind: host.childElementCount }
    }, session.server.wsUrl)
    expect(result).toEqual({
      shown: { lang: 'de', bold: 'Fett', italic: 'Italic', placeholder: 'Schreiben Sie…' },
      refusals: [
        'RangeError: messages has no message named "bolld"',
        'RangeError: toolbar must be true, false or a list of button names, got "strong"',
        'RangeError: placeholder must be a string, got 5',
        'RangeError: theme must be light, dark or auto, got "Dark"',
      ],
      leftBehind: 0,
    })
    await api.context.close()
  })

  it('makes the dark and the Turkish screenshots', async () => {
    const pairs = [
      { paths: ['/dark-pair', '/dark-pair-2'], colorScheme: 'dark' as const, viewport: { width: 760, height: 460 }, file: 'screenshot-dark.png', background: '#2b2f36' },
      { paths: ['/turkish-pair', '/turkish-pair-2'], colorScheme: 'light' as const, viewport: { width: 375, height: 560 }, file: 'screenshot-turkish.png', background: '#d8dde5' },
    ]
    for (const { paths, colorScheme, viewport, file, background } of pairs) {
      const [a, b] = await Promise.all(paths.map((path) => openPage(path, { colorScheme, viewport })))
      for (const { page } of [a!, b!]) await waitForStatus(page, (s) => s.connection === 'online')
      await caretToEnd(a!.page)
      await a!.page.keyboard.type(file.includes('dark') ? '# Release plan\nWe ship on Friday. ' : '# Toplantı notları\n- Sürüm cuma çıkıyor\n')
      await waitForText(b!.page, 'the first text at the other', (text) => text.includes(file.includes('dark') ? 'Friday' : 'cuma'))
      await caretToEnd(b!.page)
      await b!.page.keyboard.type(file.includes('dark') ? 'Notes follow.' : 'Belgeler hazır')
      await waitForText(a!.page, 'the second text at the first', (text) => text.endsWith(file.includes('dark') ? 'Notes follow.' : 'Belgeler hazır'))
      await a!.page.locator('.ProseMirror-yjs-cursor').waitFor()
      await saveScreenshot(session.browser, [a!.page, b!.page], file, { background })
      await Promise.all([a!.context.close(), b!.context.close()])
    }
  })
})

/**
 * The HTTP document API against the real editor in Chromium: a document
 * typed with the keyboard exports as the markdown it looks like, the
 * editor's own getMarkdown/getHTML/getJSON give what the server exports, its
 * `change` event fires once a burst of typing is over, and a
 * `?mode=replace` import shows up in the open editor.
 */
import { expect, it } from 'vitest'
import { caretToEnd, openDemo, useServerAndBrowser, waitForStatus, waitForText } from './browser.js'

const session = useServerAndBrowser()


it('exports what was typed in the editor as markdown, and shows a replacement made over HTTP live', async () => {
  const { page, context } = await openDemo(session.browser, session.server.url, 'exported', 'Ada')
  await page.evaluate(() => {
    const changes: unknown[] = []
    ;(window as unknown as { changes: unknown[] }).changes = changes
    window.ortak!.on('change', (json) => changes.push(json))
  })
  await caretToEnd(page)
  const keys = page.keyboard
  await keys.type('# Release')
  await keys.press('Enter')
  await keys.type('Ship ')
  await keys.press('Control+b')
  await keys.type('Friday')
  await keys.press('Control+b')
  await keys.type(', ')
  await keys.press('Control+i')
  await keys.type('maybe')
  await keys.press('Control+i')
  await keys.type(' with ')
  await keys.press('Control+e')
  await keys.type('v1.2')
  await keys.press('Control+e')
  await keys.press('Enter')
  await keys.type('- notes')
  await keys.press('Enter')
  await keys.type('video')
  await keys.press('Enter')
  await keys.press('Enter')
  await keys.type('1. first')
  await keys.press('Enter')
  await keys.type('second')
  await waitForStatus(page, (s) => s.isSaved)

  const exported = await fetch(`${session.server.url}/api/rooms/exported?format=markdown`)
  expect(exported.status).toBe(200)
  const markdown = '# Release\n\nShip **Friday**, *maybe* with `v1.2`\n\n* notes\n* video\n\n1. first\n2. second'
  expect(await exported.text()).toBe(markdown)
  const fromEditor = await page.evaluate(() => ({ markdown: window.ortak!.getMarkdown(), html: window.ortak!.getHTML(), json: window.ortak!.getJSON() }))
  expect(fromEditor.markdown).toBe(markdown)
  expect(fromEditor.html).toBe(await (await fetch(`${session.server.url}/api/rooms/exported?format=html`)).text())
  expect(fromEditor.json).toEqual(await (await fetch(`${session.server.url}/api/rooms/exported?format=json`)).json())
  // Debounced: far fewer events than keystrokes, and the last one carries the document as it is now.
  const changes = await page.evaluate(() => (window as unknown as { changes: unknown[] }).changes)
  expect(changes.length).toBeGreaterThan(0)
  expect(changes.length).toBeLessThan(20)
  await expect.poll(() => page.evaluate(() => (window as unknown as { changes: unknown[] }).changes.at(-1))).toEqual(fromEditor.json)

  const replaced = await fetch(`${session.server.url}/api/rooms/exported?mode=replace`, {
    method: 'PUT', headers: { 'Content-Type': 'text/markdown' }, body: '# Release\n\nPostponed to *Monday*.',
  })
  expect(replaced.status).toBe(200)
  await waitForText(page, 'the replacement in the editor', (text) => text === 'Release\nPostponed to Monday.')
  await context.close()
})

/**
 * The clipboard samples of paste-samples/ pasted in Chromium, through the
 * paste event a person's Ctrl+V fires: each lands as its expected document,
 * and the other person in the room gets the same.
 */
import { describe, expect, it } from 'vitest'
import { caretToEnd, docJson, openDemo, useServerAndBrowser } from './browser.js'
import { pasteSamples } from './paste-samples.js'

describe('pasting from word processors and web pages', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()

  for (const sample of pasteSamples) {
    it(`lands the ${sample.name} sample as clean nodes, for both people`, async () => {
      const room = `paste-${sample.name}`
      const a = await openDemo(session.browser, session.server.url, room, 'Ada')
      const b = await openDemo(session.browser, session.server.url, room, 'Bo')
      await caretToEnd(a.page)
      await a.page.evaluate((html) => {
        const data = new DataTransfer()
        data.setData('text/html', html)
        data.setData('text/plain', new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '')
        window.ortak!.view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
      }, sample.html)
      expect(await docJson(a.page)).toEqual(sample.expected)
      await expect.poll(() => docJson(b.page), { timeout: 15_000 }).toEqual(sample.expected)
      await Promise.all([a.context.close(), b.context.close()])
    })
  }
})

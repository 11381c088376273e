/**
 * Pictures pasted from the clipboard, dropped as files and uploaded while
 * offline: each goes to the room's files on the server, the document gets
 * its URL, the other person sees it, and it is still there after a reload
 * and a restart of the server. A refused upload says why.
 */
import { createHash } from 'node:crypto'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { caretToEnd, docJson, moveCaret, openDemo, useServerAndBrowser, waitForStatus } from './browser.js'
import { drawnPicture, dropFile, pasteImageFile } from './pictures-in-the-page.js'

interface ImageAttrs {
  src: string
  alt: string | null
}

/** The document's images, in order. */
function imagesOf(page: Page): Promise<ImageAttrs[]> {
  return page.evaluate(() => {
    const images: ImageAttrs[] = []
    window.ortak!.view.state.doc.descendants((node) => {
      if (node.type.name === 'image') images.push({ src: node.attrs.src as string, alt: node.attrs.alt as string | null })
      return true
    })
    return images
  })
}

/** The width each picture in the editor was decoded at (0 for one the browser could not load). */
function loadedWidths(page: Page): Promise<number[]> {
  return page.locator('.ProseMirror img.ortak-image').evaluateAll((images) => images.map((img) => (img as HTMLImageElement).naturalWidth))
}

/**
 * Presses Ctrl+End until the editor's caret is at the end of the document: right after a picture is put in, the
 * first press sometimes leaves the caret where it was.
 */
async function caretToDocumentEnd(page: Page): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    await moveCaret(page, 'Control+End')
    const isAtEnd = await page.evaluate(() => {
      const { doc, selection } = window.ortak!.view.state
      return selection.empty && selection.from === doc.content.size - 1
    })
    if (isAtEnd) return
  }
  throw new Error('the caret did not reach the end of the document after 5 presses of Ctrl+End')
}

const fileUrl = (room: string, bytes: Buffer) => `/api/rooms/${room}/files/${createHash('sha256').update(bytes).digest('hex')}`

describe('pictures in a shared document', { timeout: 120_000 }, () => {
  const session = useServerAndBrowser()
  const open = (room: string, name: string) => openDemo(session.browser, session.server.url, room, name)

  it('pasted and dropped ones reach the other person, keep their description and survive a reload and a server restart', async () => {
    const a = await open('pictures', 'Ada')
    const b = await open('pictures', 'Bo')
    const red = await drawnPicture(a.page, 'tile', '#c2255c')
    const blue = await drawnPicture(a.page, 'tile', '#1971c2')

    await caretToEnd(a.page)
    await a.page.keyboard.type('Pasted: ')
    await pasteImageFile(a.page, red)
    await expect.poll(() => imagesOf(b.page), { timeout: 15_000 }).toEqual([{ src: fileUrl('pictures', red), alt: null }])
    await moveCaret(a.page, 'End')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('Dropped:')
    await dropFile(a.page, blue)
    const both: ImageAttrs[] = [{ src: fileUrl('pictures', red), alt: null }, { src: fileUrl('pictures', blue), alt: null }]
    await expect.poll(() => imagesOf(b.page), { timeout: 15_000 }).toEqual(both)
    await expect.poll(() => loadedWidths(b.page), { timeout: 15_000 }).toEqual([64, 64])
    expect(await a.page.locator('.ortak-image-placeholder').count()).toBe(0)

    // B describes the first picture: selected by a click, then the toolbar's button asks for the text.
    b.page.once('dialog', (dialog) => void dialog.accept('A red square'))
    await b.page.locator('.ProseMirror img.ortak-image').first().click()
    await b.page.locator('[data-command=image_description]').click()
    both[0]!.alt = 'A red square'
    await expect.poll(() => imagesOf(a.page), { timeout: 15_000 }).toEqual(both)
    expect(await a.page.locator('.ProseMirror img.ortak-image').first().getAttribute('alt')).toBe('A red square')

    await b.page.reload()
    await waitForStatus(b.page, (s) => s.connection === 'online')
    await expect.poll(() => loadedWidths(b.page), { timeout: 15_000 }).toEqual([64, 64])

    await session.server.kill()
    await session.server.restart()
    await a.page.reload()
    await waitForStatus(a.page, (s) => s.connection === 'online' && s.unsavedChanges === 0)
    expect(await imagesOf(a.page)).toEqual(both)
    await expect.poll(() => loadedWidths(a.page), { timeout: 15_000 }).toEqual([64, 64])
  })

  it('an upload made offline waits without holding back typing, and lands where it was put once back online', async () => {
    const a = await open('offline-picture', 'Ada')
    const b = await open('offline-picture', 'Bo')
    const green = await drawnPicture(a.page, 'tile', '#2b8a3e')
    await caretToEnd(a.page)
    await a.page.keyboard.type('Before')
    await waitForStatus(a.page, (s) => s.unsavedChanges === 0)

    // The browser offline (navigator.onLine false; Chromium leaves the open WebSocket open, so edits still sync).
    await a.context.setOffline(true)
    await pasteImageFile(a.page, green)
    await a.page.locator('.ortak-image-placeholder[data-state=waiting]').waitFor({ timeout: 10_000 })
    // Typing goes on around the placeholder, which is no part of the document.
    await a.page.keyboard.type(' and after')
    expect(await docJson(a.page)).toEqual({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Before and after' }] }] })
    // The other person types too; A hears of it as the connection comes back, with the upload (a change from
    // someone else redraws the whole document in y-prosemirror, and the placeholder must come through it).
    await b.page.locator('.ProseMirror').click()
    await moveCaret(b.page, 'Control+Home')
    await b.page.keyboard.type('Just ')
    expect(await a.page.locator('.ortak-image-placeholder[data-state=waiting]').count()).toBe(1)

    await a.context.setOffline(false)
    const expected = {
      type: 'doc',
      content: [{
        type: 'paragraph',
        content: [
          { type: 'text', text: 'Just Before' },
          { type: 'image', attrs: { src: fileUrl('offline-picture', green), alt: null, title: null, width: null } },
          { type: 'text', text: ' and after' },
        ],
      }],
    }
    await expect.poll(() => docJson(b.page), { timeout: 20_000 }).toEqual(expected)
    expect(await docJson(a.page)).toEqual(expected)
    expect(await a.page.locator('.ortak-image-placeholder').count()).toBe(0)
    await expect.poll(() => loadedWidths(b.page), { timeout: 15_000 }).toEqual([64])

    // The browser online but the server gone: the upload fails on the network and is tried again after a backoff,
    // which finds the server back.
    const yellow = await drawnPicture(a.page, 'tile', '#f08c00')
    await session.server.kill()
    await caretToDocumentEnd(a.page)
    await pasteImageFile(a.page, yellow)
    await a.page.locator('.ortak-image-placeholder[data-state=waiting]').waitFor({ timeout: 10_000 })
    await session.server.restart()
    await expect.poll(async () => (await docJson(b.page)).content, { timeout: 45_000 }).toEqual([{
      ...expected.content[0],
      content: [...expected.content[0]!.content, { type: 'image', attrs: { src: fileUrl('offline-picture', yellow), alt: null, title: null, width: null } }],
    }])
    await expect.poll(() => loadedWidths(b.page), { timeout: 15_000 }).toEqual([64, 64])
  })

  it('a refused upload shows the server’s reason, with Retry and Remove', async () => {
    const a = await open('refused-picture', 'Ada')
    await caretToEnd(a.page)
    await a.page.keyboard.type('Not a picture: ')
    // An HTML page passed off as a PNG: the server reads its bytes and refuses it (415).
    await pasteImageFile(a.page, Buffer.from('<!doctype html><p>hello</p>'), 'image/png')
    const placeholder = a.page.locator('.ortak-image-placeholder[data-state=failed]')
    await placeholder.waitFor({ timeout: 10_000 })
    expect(await placeholder.textContent()).toMatch(/Image not uploaded: the file is of no type Ortak recognises from its bytes/)
    await placeholder.locator('[data-upload-action=retry]').click()
    await a.page.locator('.ortak-image-placeholder[data-state=failed]').waitFor({ timeout: 10_000 })
    await placeholder.locator('[data-upload-action=remove]').click()
    expect(await a.page.locator('.ortak-image-placeholder').count()).toBe(0)

    // A dropped file that is no picture is sent too, and refused with what it is.
    await dropFile(a.page, Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'), 'application/pdf')
    await placeholder.waitFor({ timeout: 10_000 })
    expect(await placeholder.textContent()).toMatch(/Image not uploaded: the file is application\/pdf: upload a PNG, JPEG, GIF or WebP image/)
    await placeholder.locator('[data-upload-action=remove]').click()
    expect(await a.page.locator('.ortak-image-placeholder').count()).toBe(0)
    expect(await imagesOf(a.page)).toEqual([])
    expect(await docJson(a.page)).toEqual({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Not a picture: ' }] }] })
  })
})

/**
 * Real pictures for the browser tests, drawn on a canvas in the page and
 * encoded by Chromium as PNG, and the clipboard and drag events a person's
 * paste or drop of such a file fires.
 */
import type { Page } from 'playwright-core'

/** A PNG drawn in `page`: `chart`, a small bar chart for the screenshot, or `tile`, a 64x64 coloured square. */
export async function drawnPicture(page: Page, kind: 'chart' | 'tile', color = '#2f6feb'): Promise<Buffer> {
  const base64 = await page.evaluate(({ kind, color }) => {
    const canvas = document.createElement('canvas')
    const context = canvas.getContext('2d')!
    if (kind === 'tile') {
      canvas.width = 64
      canvas.height = 64
      context.fillStyle = color
      context.fillRect(0, 0, 64, 64)
    } else {
      canvas.width = 360
      canvas.height = 140
      context.fillStyle = '#f6f7f9'
      context.fillRect(0, 0, 360, 140)
      const weeks = [22, 34, 40, 58, 64, 86, 100, 114]
      weeks.forEach((value, index) => {
        context.fillStyle = index === weeks.length - 1 ? '#c2255c' : color
        context.fillRect(20 + index * 42, 124 - value, 30, value)
      })
      context.fillStyle = '#5f6b7a'
      context.fillRect(12, 124, 336, 2)
    }
    return canvas.toDataURL('image/png').slice('data:image/png;base64,'.length)
  }, { kind, color })
  return Buffer.from(base64, 'base64')
}

/** Pastes `bytes` as an image file from the clipboard into the editor of `page`, as Ctrl+V of a screenshot does. */
export async function pasteImageFile(page: Page, bytes: Buffer, type = 'image/png'): Promise<void> {
  await page.evaluate(({ base64, type }) => {
    const data = new DataTransfer()
    data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'pasted.png', { type }))
    window.ortak!.view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, { base64: bytes.toString('base64'), type })
}

/** Drops `bytes` as a file (a PNG image unless `type` says otherwise) at the end of the editor's last paragraph in `page`. */
export async function dropFile(page: Page, bytes: Buffer, type = 'image/png'): Promise<void> {
  await page.evaluate(({ base64, type }) => {
    const data = new DataTransfer()
    data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'dropped', { type }))
    const blocks = window.ortak!.view.dom.querySelectorAll('p')
    const box = blocks[blocks.length - 1]!.getBoundingClientRect()
    const at = { clientX: box.right - 2, clientY: box.top + box.height / 2 }
    window.ortak!.view.dom.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true, ...at }))
  }, { base64: bytes.toString('base64'), type })
}

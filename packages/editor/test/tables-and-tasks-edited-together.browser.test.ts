/**
 * Two people in two browsers building a table and a task list: cells
 * merged by one while the other types in another cell, rows added by Tab,
 * checkboxes ticked by either with a click or Ctrl+Enter; both end with
 * the same document and nobody's text lost.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { caretToEnd, docJson, moveCaret, openDemo, saveScreenshot, useServerAndBrowser, waitForText } from './browser.js'
import { drawnPicture } from './pictures-in-the-page.js'

interface CellShape {
  text: string
  colspan: number
  header: boolean
}

/** The first table of the document as rows of cells (their text, paragraphs joined by '/', colspan, header). */
function tableOf(page: Page): Promise<CellShape[][] | null> {
  return page.evaluate(() => {
    let found: CellShape[][] | null = null
    window.ortak!.view.state.doc.descendants((node) => {
      if (found) return false
      if (node.type.name !== 'table') return true
      const rows: CellShape[][] = []
      node.forEach((row) => {
        const cells: CellShape[] = []
        row.forEach((cell) => {
          const paragraphs: string[] = []
          cell.forEach((block) => { paragraphs.push(block.textContent) })
          cells.push({ text: paragraphs.join('/'), colspan: cell.attrs.colspan as number, header: cell.type.name === 'table_header' })
        })
        rows.push(cells)
      })
      found = rows
      return false
    })
    return found
  })
}

/** The task items of the document: their text and whether they are done. */
function tasksOf(page: Page): Promise<Array<{ text: string; checked: boolean }>> {
  return page.evaluate(() => {
    const tasks: Array<{ text: string; checked: boolean }> = []
    window.ortak!.view.state.doc.descendants((node) => {
      if (node.type.name === 'list_item' && node.attrs.checked !== null) tasks.push({ text: node.firstChild!.textContent, checked: node.attrs.checked as boolean })
      return true
    })
    return tasks
  })
}

const cell = (text: string, colspan = 1, header = false): CellShape => ({ text, colspan, header })

describe('tables and task lists edited by two people', { timeout: 120_000 }, () => {
  const session = useServerAndBrowser()
  /** Ada and Bo in `room`, Ada's caret at the end of the document. */
  const openTwo = async (room: string, viewport?: { width: number; height: number }) => {
    const a = await openDemo(session.browser, session.server.url, room, 'Ada', { color: '#c2255c', viewport })
    const b = await openDemo(session.browser, session.server.url, room, 'Bo', { color: '#1971c2', viewport })
    await caretToEnd(a.page)
    return { a, b }
  }

  it('build a table together: Tab fills and adds rows, one merges cells while the other types, both keep their text', async () => {
    const { a, b } = await openTwo('table')
    await a.page.keyboard.type('Who does what')
    await a.page.keyboard.press('Enter')
    await a.page.locator('[data-command=table]').click()
    await a.page.locator('[data-table-command=insertTable]').click()
    // The caret is in the first header cell; Tab moves on, and at the last cell adds a row.
    for (const [index, text] of ['Who', 'What', 'When', 'Ada', 'Slides', '', 'Bo', 'Demo', '', 'Cy'].entries()) {
      if (index > 0) await a.page.keyboard.press('Tab')
      if (text) await a.page.keyboard.type(text)
    }
    const built = [
      [cell('Who', 1, true), cell('What', 1, true), cell('When', 1, true)],
      [cell('Ada'), cell('Slides'), cell('')],
      [cell('Bo'), cell('Demo'), cell('')],
      [cell('Cy'), cell(''), cell('')],
    ]
    await expect.poll(() => tableOf(b.page), { timeout: 15_000 }).toEqual(built)

    // A selects Bo's two cells with Shift+→ across the cell edge (a cell selection) and merges them, while B types
    // in the empty cell of Ada's row.
    await a.page.locator('.ProseMirror table tr').nth(2).locator('td').nth(0).click()
    await moveCaret(a.page, 'End')
    await moveCaret(a.page, 'Shift+ArrowRight')
    await expect.poll(() => a.page.locator('.ProseMirror .selectedCell').count()).toBe(2)
    await b.page.locator('.ProseMirror table tr').nth(1).locator('td').nth(2).click()
    await Promise.all([
      a.page.locator('[data-table-command=mergeCells]').click(),
      b.page.keyboard.type('Friday', { delay: 20 }),
    ])
    const merged = [
      built[0],
      [cell('Ada'), cell('Slides'), cell('Friday')],
      [cell('Bo/Demo', 2), cell('')],
      built[3],
    ]
    await expect.poll(() => tableOf(a.page), { timeout: 15_000 }).toEqual(merged)
    await expect.poll(() => tableOf(b.page), { timeout: 15_000 }).toEqual(merged)

    // B adds a column and takes the header row away; A splits the merged cell again.
    await b.page.locator('[data-command=table]').click()
    await b.page.locator('[data-table-command=addColumnAfter]').click()
    await b.page.locator('[data-table-command=toggleHeaderRow]').click()
    await expect.poll(async () => (await tableOf(a.page))?.[0]).toEqual([cell('Who'), cell('What'), cell('When'), cell('')])
    await a.page.locator('.ProseMirror table tr').nth(2).locator('td').nth(0).click()
    await a.page.locator('[data-table-command=splitCell]').click()
    await expect.poll(async () => (await tableOf(b.page))?.[2]).toEqual([cell('Bo/Demo'), cell(''), cell(''), cell('')])
    expect(await docJson(a.page)).toEqual(await docJson(b.page))

    // The menu by keyboard: Mod-Alt-t puts the focus in it, Escape returns to the text; Delete table removes it.
    await a.page.keyboard.press('Control+Alt+t')
    expect(await a.page.evaluate(() => (document.activeElement as HTMLElement).dataset.tableCommand)).toBe('insertTable')
    await a.page.keyboard.press('Escape')
    expect(await a.page.locator('.ortak-table-menu').isHidden()).toBe(true)
    await a.page.locator('[data-command=table]').click()
    await a.page.locator('[data-table-command=deleteTable]').click()
    await expect.poll(() => tableOf(b.page)).toBeNull()
    await waitForText(b.page, 'the text without the table', (text) => text.startsWith('Who does what'))
  })

  it('tick tasks for each other: by click, by Ctrl+Enter, from the toolbar and from [ ]; the checkbox is not in the document', async () => {
    const { a, b } = await openTwo('tasks')
    await a.page.keyboard.type('- [ ] Book the room')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('Send invites')
    await expect.poll(() => tasksOf(b.page), { timeout: 15_000 }).toEqual([
      { text: 'Book the room', checked: false }, { text: 'Send invites', checked: false },
    ])

    // B ticks the first with a click, A the second with Ctrl+Enter from its text.
    await b.page.locator('.ortak-task input[type=checkbox]').first().click()
    await a.page.keyboard.press('Control+Enter')
    const bothDone = [{ text: 'Book the room', checked: true }, { text: 'Send invites', checked: true }]
    await expect.poll(() => tasksOf(a.page)).toEqual(bothDone)
    await expect.poll(() => tasksOf(b.page)).toEqual(bothDone)
    expect(await b.page.locator('.ortak-task input[type=checkbox]').evaluateAll((boxes) => boxes.map((box) => (box as HTMLInputElement).checked)))
      .toEqual([true, true])
    // A unticks one with a click; B sees it.
    await a.page.locator('.ortak-task input[type=checkbox]').first().click()
    await expect.poll(() => tasksOf(b.page)).toEqual([{ text: 'Book the room', checked: false }, bothDone[1]])

    // The toolbar's button makes a paragraph a task, and `[x] ` a done one.
    await caretToEnd(b.page)
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('Notes for later')
    await b.page.locator('[data-command=task_list]').click()
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('- [x] Old item')
    await expect.poll(() => tasksOf(a.page)).toEqual([
      { text: 'Book the room', checked: false }, bothDone[1], { text: 'Notes for later', checked: false }, { text: 'Old item', checked: true },
    ])
    // Only the attribute travels: no checkbox (nor its label) in the shared document, the text is the items' own.
    const shared = await a.page.evaluate(() => window.ortak!.doc.getXmlFragment('prosemirror').toString())
    expect(shared).not.toMatch(/input|checkbox|ortak-task/)
    expect(shared).toContain('checked="true"')
    expect(await docJson(a.page)).toEqual(await docJson(b.page))
  })

  it('show a document with a table, a picture and a task list (the README screenshot)', async () => {
    const { a, b } = await openTwo('rich', { width: 900, height: 860 })
    await a.page.keyboard.type('# Launch review')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('Sign-ups per week since the beta opened:')
    await a.page.keyboard.press('Enter')
    await a.page.locator('.ortak-image-picker').setInputFiles({ name: 'signups.png', mimeType: 'image/png', buffer: await drawnPicture(a.page, 'chart') })
    await expect.poll(() => a.page.locator('.ProseMirror img.ortak-image').evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 })
      .toBeGreaterThan(0)
    await caretToEnd(a.page)
    await a.page.keyboard.press('Enter')
    await a.page.locator('[data-command=table]').click()
    await a.page.locator('[data-table-command=insertTable]').click()
    for (const [index, text] of ['Area', 'Owner', 'State', 'Editor', 'Ada', 'Ready', 'Server', 'Bo', 'Testing'].entries()) {
      if (index > 0) await a.page.keyboard.press('Tab')
      await a.page.keyboard.type(text)
    }
    await a.page.locator('[data-command=table]').click()
    await caretToEnd(b.page)
    await b.page.keyboard.type('- [x] Write the release notes')
    await b.page.keyboard.press('Enter')
    await b.page.keyboard.type('Record the demo')
    await expect.poll(() => tasksOf(a.page), { timeout: 15_000 }).toEqual([
      { text: 'Write the release notes', checked: true }, { text: 'Record the demo', checked: false },
    ])
    await a.page.locator('.ProseMirror-yjs-cursor', { hasText: 'Bo' }).waitFor({ timeout: 10_000 })
    await saveScreenshot(session.browser, [a.page, b.page], 'rich-document.png')
  })
})

/**
 * A document another ProseMirror editor wrote (Tiptap, with its own node
 * and mark names) opens read-only, says why, and loses nothing: y-prosemirror
 * alone would delete from the shared document everything the schema cannot
 * show, for everyone. The room is written straight into storage before the
 * server starts, as it would be by an older server; this one refuses such
 * updates.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { databaseFile } from '../../../server/src/server.js'
import { SqliteStorage } from '../../../server/src/storage/sqlite.js'
import { connectClient, synced } from '../../../server/test/helpers.js'
import { tiptapDocument } from '../../schema/test/foreign-documents.js'
import { docText, openDemo, status, useServerAndBrowser, waitForStatus } from './browser.js'

const room = 'from-tiptap'

const seeded = tiptapDocument()
const session = useServerAndBrowser({
  beforeStart: async (dataDir) => {
    const storage = new SqliteStorage({ file: databaseFile(dataDir) })
    await storage.append([{ room, update: Y.encodeStateAsUpdate(seeded), generation: 0 }])
    await storage.close()
  },
})

it('opens a document with content it cannot show read-only, with a note, and changes nothing in it', { timeout: 90_000 }, async () => {
  const { page, context } = await openDemo(session.browser, session.server.url, room, 'Ada')
  const { unshownContent } = await waitForStatus(page, (s) => s.unshownContent !== undefined)
  expect(unshownContent).toBe('mark "bold"')
  const note = page.locator('.ortak-status-note')
  expect(await note.isVisible()).toBe(true)
  expect(await note.getAttribute('role')).toBe('status')
  expect(await note.textContent()).toBe('Read-only: this document holds content this editor cannot show (mark "bold"); editing it here would delete that.')

  // Read-only: not editable, the toolbar disabled, typing changes nothing.
  expect(await page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
  expect(await page.locator('.ortak-editor').getAttribute('data-mode')).toBe('read')
  expect(await page.evaluate(() => window.ortak!.view.editable)).toBe(false)
  // All but History, which only reads.
  expect(await page.locator('.ortak-button[data-command]').evaluateAll((buttons) => buttons
    .filter((b) => !(b as HTMLButtonElement).disabled).map((b) => (b as HTMLElement).dataset.command))).toEqual(['history'])
  const shown = await docText(page)
  expect(shown).toContain('Plain words.')
  await page.locator('.ProseMirror').click()
  await page.keyboard.type('typed')
  await page.keyboard.press('Enter')
  expect(await docText(page)).toBe(shown)

  // A few seconds open, and the stored document is still exactly what was written: one update, byte for byte.
  await page.waitForTimeout(3000)
  expect(await status(page)).toMatchObject({ connection: 'online', isSaved: true, mode: 'read', unshownContent: 'mark "bold"' })
  const stored = new Y.Doc()
  Y.applyUpdate(stored, new Uint8Array(await (await fetch(`${session.server.url}/api/rooms/${room}?format=yjs`)).arrayBuffer()))
  expect(Y.encodeStateAsUpdate(stored)).toEqual(Y.encodeStateAsUpdate(seeded))
  expect(stored.getXmlFragment('prosemirror').toString()).toBe(seeded.getXmlFragment('prosemirror').toString())
  const { rooms } = await (await fetch(`${session.server.url}/api/rooms`)).json() as { rooms: Array<{ name: string; updates: number }> }
  expect(rooms.find((r) => r.name === room)?.updates).toBe(1)

  // And what others have live is whole too.
  const other = connectClient(session.server.wsUrl, room)
  await synced(other)
  expect(other.doc.getXmlFragment('prosemirror').toString()).toBe(seeded.getXmlFragment('prosemirror').toString())
  other.destroy()
  await context.close()
})

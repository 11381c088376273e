/**
 * The demo app around the editor: a new random room in the URL when none is
 * given, a friendly name and colour kept in localStorage, `?room=&name=`
 * honoured, and a button that copies the link to the room.
 */
import { describe, expect, it } from 'vitest'
import { useServerAndBrowser, waitForStatus } from './browser.js'

// Real browsers on a busy machine: a whole scenario gets 90 s, each wait inside it 15 s.
describe('the demo app', { timeout: 90_000 }, () => {
  const session = useServerAndBrowser()


  it('puts a new room in the URL, keeps a friendly name across visits, and copies the share link', async () => {
    const context = await session.browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url })
    const page = await context.newPage()
    await page.goto(`${session.server.url}/`)
    await waitForStatus(page, (s) => s.connection === 'online')

    const room = new URL(page.url()).searchParams.get('room')
    expect(room).toMatch(/^[a-z2-9]{10}$/)
    expect(await page.locator('#room-name').textContent()).toBe(room)
    const name = await page.locator('#you-name').inputValue()
    expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
    // The colour is not kept: the editor picks one nobody in the room wears, each visit.
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('ortak:user')!) as { name: string })
    expect(stored).toEqual({ name })
    expect(await page.locator('.ortak-person-name').allTextContents()).toEqual([`${name} (you)`])

    await page.reload()
    await waitForStatus(page, (s) => s.connection === 'online')
    expect(new URL(page.url()).searchParams.get('room')).toBe(room)
    expect(await page.locator('#you-name').inputValue()).toBe(name)

    await page.locator('#share').click()
    await expect.poll(() => page.locator('#share-label').textContent()).toBe('Link copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${session.server.url}/?room=${room}`)

    // Renaming shows at once in the presence list and is kept for the next visit.
    await page.locator('#you-name').fill('Ada Lovelace')
    await page.locator('#you-name').press('Enter')
    await expect.poll(() => page.locator('.ortak-person-name').allTextContents()).toEqual(['Ada Lovelace (you)'])
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('ortak:user')!).name)).toBe('Ada Lovelace')
    await context.close()
  })

  it('opens the room and name given in the link', async () => {
    const context = await session.browser.newContext()
    const page = await context.newPage()
    await page.goto(`${session.server.url}/?room=team%20notes&name=Zed`)
    await waitForStatus(page, (s) => s.connection === 'online')
    expect(await page.locator('#room-name').textContent()).toBe('team notes')
    expect(await page.title()).toBe('team notes · Ortak')
    expect(await page.locator('#you-name').inputValue()).toBe('Zed')
    expect(await page.locator('.ortak-person-name').allTextContents()).toEqual(['Zed (you)'])
    expect(await page.evaluate(() => window.ortak!.provider.url)).toBe(`${session.server.wsUrl}/team%20notes?ack=1`)
    await context.close()
  })
})

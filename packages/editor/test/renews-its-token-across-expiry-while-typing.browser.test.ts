/**
 * `getToken` against a server that checks tokens: the editor asks for a
 * token before every connection, renews one the server refuses as expired
 * (4401), retries when getToken fails, and an editor typing across its
 * token's expiry and a server restart loses nothing: what the server stores
 * is what the editor shows.
 */
import { expect, it } from 'vitest'
import { connectClient, synced, waitFor } from '../../../server/test/helpers.js'
import { SECRET, token } from '../../../server/test/security-helpers.js'
import { refusalsCounted, startHostSite, useServerAndBrowser, waitForStatus } from './browser.js'

const ROOM = 'renewing'
const LIFETIME_SECONDS = 3

const session = useServerAndBrowser({ env: { AUTH_SECRET: SECRET } })

const closesWith = (output: string[], code: number) => output.join('').split('\n').filter((line) => line.includes(`"code":${code}`)).length

it('renews an expired token, survives a failing getToken, and loses no keystroke across expiry and a restart', { timeout: 120_000 }, async () => {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Renewing</title></head><body>
<script src="${session.server.url}/ortak-editor.js"></script>
<div id="editor"></div>
<script>
window.tokensAsked = 0
window.ortak = Ortak.createEditor(document.getElementById('editor'), {
  url: ${JSON.stringify(session.server.wsUrl)}, room: ${JSON.stringify(ROOM)}, user: { name: 'Ada', color: '#c2255c' },
  getToken: () => { window.tokensAsked++; return window.mintToken() },
})
</script></body></html>`
  const site = await startHostSite({ '/': page })
  const context = await session.browser.newContext()
  const browserPage = await context.newPage()
  // The app's token service: the first token it hands out is stale (an app's cache), the third call fails.
  let calls = 0
  const minted: number[] = []
  await browserPage.exposeFunction('mintToken', async () => {
    calls++
    if (calls === 3) throw new Error('token service unavailable')
    minted.push(Date.now())
    return token({ room: ROOM, permission: 'write', name: 'Ada', sub: 'ada' }, calls === 1 ? -30 : LIFETIME_SECONDS)
  })
  try {
    await browserPage.goto(`${site.url}/`)
    await waitForStatus(browserPage, (s) => s.connection === 'online')
    expect(closesWith(session.server.process.output, 4401)).toBe(1)
    expect(await refusalsCounted(session.server.url, 'token_invalid')).toBe(1)
    expect(calls).toBe(2)

    await browserPage.locator('.ProseMirror').click()
    const words: string[] = []
    const type = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        words.push(`w${i}`)
        await browserPage.keyboard.type(`w${i} `)
        await browserPage.waitForTimeout(150)
      }
    }
    await type(1, 10)
    // Past the token's expiry: the open connection goes on, and a new one needs a new token.
    await waitFor('the token to expire', () => Date.now() > minted[1]! + LIFETIME_SECONDS * 1000 + 500, LIFETIME_SECONDS * 1000 + 2_000)
    await type(11, 15)
    await session.server.kill()
    await type(16, 25)
    await session.server.restart()
    await type(26, 30)
    await waitForStatus(browserPage, (s) => s.connection === 'online' && s.isSaved, 30_000)

    // After the restart: getToken failed once, then gave a fresh token, which the new server took at once.
    expect(calls).toBeGreaterThanOrEqual(4)
    expect(closesWith(session.server.process.output, 4401)).toBe(0)
    expect(await browserPage.evaluate(() => (window as unknown as { tokensAsked: number }).tokensAsked)).toBe(calls)
    const shown = await browserPage.evaluate(() => window.ortak!.doc.getXmlFragment('prosemirror').toString())
    expect(shown).toBe(`<paragraph>${words.join(' ')} </paragraph>`)

    const reader = connectClient(session.server.wsUrl, ROOM, { params: { token: await token({ room: ROOM, permission: 'read', name: 'Rhea', sub: 'rhea' }) } })
    try {
      await synced(reader)
      expect(reader.doc.getXmlFragment('prosemirror').toString()).toBe(shown)
    } finally {
      reader.destroy()
    }
  } finally {
    await context.close()
    await site.close()
  }
})

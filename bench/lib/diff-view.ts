/**
 * The history panel's diff view, timed in Chromium as a user meets it: a
 * real Ortak server process serves the demo app (editor/dist, built by
 * `npm run bench`) and a room's stored versions; the page opens the room,
 * the toolbar's History button opens the panel, and each opening clicks the
 * newest version, which fetches it and the one before (`?format=yjs`),
 * decodes them and renders y-prosemirror's snapshot diff. Nothing in the
 * editor is there for this: the page is driven through its buttons and read
 * through the DOM and the browser's own timings (performance marks, and the
 * resource timings of the API requests).
 */
import path from 'node:path'
import { chromium } from 'playwright-core'
import { repoRoot, startServer } from './servers.js'

/** Debian's Chromium, as the browser tests run it. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]
const DIFF_TIMEOUT_MS = 30_000

export interface DiffOpening {
  /** From the click to the first frame painted after the diff is in the DOM: fetches, decoding, rendering, paint. */
  totalMs: number
  /** The same, from the last API response's end: decoding, rendering and paint only. */
  afterFetchMs: number
  /** Requests to the versions API the opening made. */
  requests: number
  /** Whether the diff, its deletions left out, reads exactly as the version's text. */
  isExact: boolean
  addedMarks: number
  removedMarks: number
  /** The panel's message once done (its error, if it failed). */
  message: string
  isError: boolean
}

/**
 * Serves `dataDir` (an Ortak data folder holding `room` with versions) and
 * opens the diff of its newest version `openings` times in one page.
 * `newestText` is that version's text, which the diff must show.
 */
export async function timeDiffView(dataDir: string, room: string, newestText: string, openings: number): Promise<DiffOpening[]> {
  const server = await startServer('ortak', { dataDir, editorDir: path.join(repoRoot, 'editor/dist') })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 20_000 })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    await page.goto(`http://127.0.0.1:${server.port}/?room=${encodeURIComponent(room)}&name=Bench`)
    // The live document (the whole trace) is on screen before the panel opens: its load is not the diff's.
    await page.waitForFunction((length) => (document.querySelector('.ortak-surface')?.textContent?.length ?? 0) >= length,
      newestText.length, { timeout: 60_000, polling: 200 })
    await page.locator('[data-command=history]').click()
    await page.locator('.ortak-history-item').first().waitFor({ timeout: DIFF_TIMEOUT_MS })
    const found: DiffOpening[] = []
    for (let i = 0; i < openings; i++) found.push(await page.evaluate(openNewest, { expected: newestText, timeoutMs: DIFF_TIMEOUT_MS }))
    return found
  } finally {
    await browser.close()
    await server.stop()
  }
}

/** Runs in the page: one click on the newest version, timed until the frame after its diff is rendered. */
async function openNewest({ expected, timeoutMs }: { expected: string; timeoutMs: number }): Promise<DiffOpening> {
  const panel = document.querySelector('.ortak-history')!
  const message = panel.querySelector('.ortak-history-message')!
  const newest = panel.querySelector<HTMLButtonElement>('.ortak-history-item')!
  performance.clearResourceTimings()
  performance.clearMarks()
  performance.mark('diff requested')
  newest.click()
  // The panel says it is loading at once, in the click, and says something else once the diff is shown (or failed).
  const loading = message.textContent
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diff within ${timeoutMs} ms; the panel says "${message.textContent}"`)), timeoutMs)
    const observer = new MutationObserver(() => {
      if (message.textContent === loading) return
      observer.disconnect()
      clearTimeout(timer)
      resolve()
    })
    observer.observe(message, { childList: true, characterData: true, subtree: true })
  })
  // The frame that shows it: a task queued from the next animation frame runs once that frame is painted.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
  performance.mark('diff painted')
  const { duration: totalMs, startTime } = performance.measure('diff view', 'diff requested', 'diff painted')
  const requests = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((entry) => entry.name.includes('/versions'))
  const fetchedAt = Math.max(...requests.map((entry) => entry.responseEnd))
  const diff = panel.querySelector('.ortak-history-diff .ProseMirror')
  const shown = diff?.cloneNode(true) as HTMLElement | undefined
  for (const removed of shown?.querySelectorAll('.ortak-change-removed') ?? []) removed.remove()
  return {
    totalMs, afterFetchMs: startTime + totalMs - fetchedAt, requests: requests.length,
    isExact: shown?.textContent === expected,
    addedMarks: diff?.querySelectorAll('.ortak-change-added').length ?? 0,
    removedMarks: diff?.querySelectorAll('.ortak-change-removed').length ?? 0,
    message: message.textContent ?? '', isError: message.classList.contains('ortak-history-error'),
  }
}

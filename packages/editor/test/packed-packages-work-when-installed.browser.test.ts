/**
 * What a user gets from the registry: every package packed with `npm pack`
 * and installed into an empty project of its own, whose other dependencies
 * come from the registry. There `npx ortak serve` runs the compiled server
 * and a three-line page bundled by vite from the installed @ortak/editor
 * opens an editor in Chromium; the installed @ortak/react renders on the
 * server in plain Node. Slow (npm compiles better-sqlite3), so it
 * runs with the browser tests, last.
 */
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connectClient, repoRoot, synced, tempDir, waitFor, type TestClient } from '../../../server/test/helpers.js'
import { caretToEnd, launchChromium, startHostSite, waitForStatus } from './browser.js'

interface PackedPackage {
  name: string
  filename: string
  files: Array<{ path: string }>
}

const workspaces: string[] = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).workspaces

/** What each package ships besides package.json (and README or LICENSE, which npm adds when present). */
const shipped: Record<string, RegExp> = {
  '@ortak/protocol': /^dist\/[a-z-]+\.(js|d\.ts)$/,
  '@ortak/schema': /^dist\/[a-z-]+\.(js|d\.ts)$/,
  '@ortak/editor': /^dist\/([a-z-]+\.(js|d\.ts)|editor\.css|ortak-editor\.js)$/,
  '@ortak/react': /^dist\/[a-z-]+\.(js|d\.ts)$/,
  '@ortak/demo': /^dist\/(index\.html|ortak-editor\.js|assets\/index-[\w-]+\.(js|css))$/,
  '@ortak/server': /^(bin\/ortak\.js|dist\/(main|ortak|code-cache)\.cjs|dist\/chunks\/[\w-]+\.cjs)$/,
}

const THREE_LINE_PAGE = `import { createEditor } from '@ortak/editor'
const url = new URLSearchParams(location.search).get('server')
window.ortak = createEditor(document.querySelector('#editor'), { url, room: 'installed', user: { name: 'Ada', color: '#c2255c' } })
`

let tarballs: string
let project: string
let packed: PackedPackage[]
let server: { child: ReturnType<typeof spawn>; port: number; output: () => string; exited: Promise<number | null> } | undefined

beforeAll(() => {
  tarballs = tempDir('ortak-tarballs-')
  packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, ...workspaces.flatMap((w) => ['-w', w])], {
    cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  })) as PackedPackage[]
  project = tempDir('ortak-installed-')
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-ortak', private: true, type: 'module' }))
  // React is @ortak/react's peer dependency: the app brings its own.
  const tarballPaths = packed.map((p) => path.join(tarballs, p.filename))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballPaths, 'react@^19.3.1', 'react-dom@^19.3.1'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
    // better-sqlite3 has no prebuilt binary here and is compiled: the same code built without
    // optimisation takes a third of the time, and this test is about installing, not speed.
    env: { ...process.env, CFLAGS: '-O0', CXXFLAGS: '-O0' },
  })
}, 170_000)

afterAll(async () => {
  if (server) {
    // npx and the server under it are a group of their own.
    process.kill(-server.child.pid!, 'SIGTERM')
    await server.exited
  }
  for (const dir of [tarballs, project]) fs.rmSync(dir, { recursive: true, force: true })
})

it('packs every package with what it needs and nothing else', () => {
  expect(packed.map((p) => p.name).sort()).toEqual(Object.keys(shipped).sort())
  for (const p of packed) {
    const unexpected = p.files.map((f) => f.path).filter((file) => !/^(package\.json|README\.md|LICENSE)$/.test(file) && !shipped[p.name]!.test(file))
    expect({ package: p.name, unexpected }).toEqual({ package: p.name, unexpected: [] })
  }
  const editorFiles = packed.find((p) => p.name === '@ortak/editor')!.files.map((f) => f.path)
  expect(editorFiles).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/editor.css', 'dist/ortak-editor.js']))
  // Installed from the tarballs alone: nothing links back into this repository.
  for (const name of Object.keys(shipped)) expect(fs.lstatSync(path.join(project, 'node_modules', name)).isSymbolicLink()).toBe(false)
})

it('renders <OrtakEditor> from the installed @ortak/react with react-dom/server in plain Node', () => {
  const script = `import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { OrtakEditor } from '@ortak/react'
process.stdout.write(renderToString(createElement(OrtakEditor, { url: 'wss://ortak.example.com/ws', room: 'ssr', user: { name: 'Ada' } })))
`
  const html = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' })
  expect(html).toBe('<div class="ortak-react" data-room="ssr"><div class="ortak-editor-loading" aria-busy="true">Loading the editor…</div>'
    + '<div class="ortak-react-host"></div></div>')
})

it('runs `npx ortak serve` in an empty folder: it stores its SQLite file there, serves the editor, and syncs a stock y-websocket client', async () => {
  const child = spawn('npx', ['ortak', 'serve', '--port', '0'], {
    cwd: project, env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  server = { child, port: 0, output: () => output, exited }
  await waitFor('the installed server to log its port', () => /"port":\d+/.test(output), 30_000)
  server.port = Number(/"port":(\d+)/.exec(output)![1])
  const url = `http://127.0.0.1:${server.port}`

  expect(fs.existsSync(path.join(project, 'data/ortak.db'))).toBe(true)
  const page = await fetch(`${url}/`)
  expect(page.status).toBe(200)
  expect(await page.text()).toMatch(/<script type="module"[^>]+src="\/assets\/index-[\w-]+\.js"/)
  const script = await fetch(`${url}/ortak-editor.js`)
  expect({ status: script.status, type: script.headers.get('content-type') }).toMatchObject({ status: 200, type: expect.stringMatching(/javascript/) })

  const client = connectClient(`ws://127.0.0.1:${server.port}/ws`, 'stock')
  try {
    await synced(client)
    client.doc.getText('t').insert(0, 'stored')
    const reader = connectClient(`ws://127.0.0.1:${server.port}/ws`, 'stock')
    try {
      await synced(reader)
      await waitFor('the second client to hold the first one\'s edit', () => reader.doc.getText('t').toString() === 'stored')
    } finally {
      reader.destroy()
    }
  } finally {
    client.destroy()
  }
})

it('bundles a three-line page importing createEditor from the installed @ortak/editor with vite, and the page edits in Chromium', async () => {
  expect(server, 'the installed server from the test before').toBeDefined()
  const site = path.join(project, 'site')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'main.js'), THREE_LINE_PAGE)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><div id="editor"></div><script type="module" src="./main.js"></script>\n')
  await build({ root: site, configFile: false, logLevel: 'warn', build: { outDir: 'dist' } })
  const built = path.join(site, 'dist')
  const html = fs.readFileSync(path.join(built, 'index.html'), 'utf8')
  const assets = Object.fromEntries(fs.readdirSync(path.join(built, 'assets')).map((name) => [`/assets/${name}`, path.join(built, 'assets', name)]))
  const host = await startHostSite({ '/': html }, assets)
  const browser = await launchChromium()
  let reader: TestClient | undefined
  try {
    reader = connectClient(`ws://127.0.0.1:${server!.port}/ws`, 'installed')
    await synced(reader)
    const page = await browser.newPage()
    await page.goto(`${host.url}/?server=${encodeURIComponent(`ws://127.0.0.1:${server!.port}/ws`)}`)
    await waitForStatus(page, (s) => s.connection === 'online')
    await caretToEnd(page)
    await page.keyboard.type('Typed in a page bundled from the registry packages.')
    await waitFor('the stock client to receive what was typed', () =>
      reader!.doc.getXmlFragment('prosemirror').toString() === '<paragraph>Typed in a page bundled from the registry packages.</paragraph>')
  } finally {
    reader?.destroy()
    await browser.close()
    await host.close()
  }
})

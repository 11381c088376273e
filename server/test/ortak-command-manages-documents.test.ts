import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { runOrtak } from '../src/cli/run.js'
import { connectClient, startServer, synced, tempDir, waitFor, type TestClient, type TestServer } from './helpers.js'

/** Runs one `ortak` command line in this process with only the given environment. */
async function ortak(argv: string[], env: Record<string, string> = {}, stdin = Buffer.alloc(0)) {
  const out: Buffer[] = []
  let stderr = ''
  const code = await runOrtak(argv, {
    env, readStdin: async () => stdin,
    stdout: (chunk) => void out.push(Buffer.from(chunk)),
    stderr: (text) => void (stderr += text),
  })
  return { code, stdout: Buffer.concat(out).toString(), bytes: Buffer.concat(out), stderr }
}

function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content)
  return file
}

let server: TestServer | undefined
const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await server?.close()
  server = undefined
})

describe('ortak import / export on the data directory', () => {
  it('seeds a room from a markdown file and exports it in every format', async () => {
    const data = tempDir()
    const file = writeFile(data, 'notes.md', '# Notes\n\n* one\n* **two**\n')
    const imported = await ortak(['import', 'notes', file, '--data', data])
    expect(imported).toMatchObject({ code: 0, stdout: '' })
    expect(imported.stderr).toMatch(/^seeded room "notes" \(one \d+-byte update\)\n$/)

    expect(await ortak(['export', 'notes', '--data', data])).toMatchObject({ code: 0, stdout: '# Notes\n\n* one\n* **two**\n' })
    expect((await ortak(['export', 'notes', '--format', 'html', '--data', data])).stdout).toBe('<h1>Notes</h1><ul><li><p>one</p></li><li><p><strong>two</strong></p></li></ul>\n')
    expect((await ortak(['export', 'notes', '--format', 'text', '--data', data])).stdout).toBe('Notes\none\ntwo\n')
    expect(JSON.parse((await ortak(['export', 'notes', '--format', 'json', '--data', data])).stdout).type).toBe('doc')

    const output = path.join(data, 'out.md')
    const toFile = await ortak(['export', 'notes', '-o', output, '--data', data])
    expect(toFile).toMatchObject({ code: 0, stdout: '', stderr: `exported room "notes" as markdown to ${output}\n` })
    expect(fs.readFileSync(output, 'utf8')).toBe('# Notes\n\n* one\n* **two**\n')

    // The Yjs state round-trips through a file into another room.
    const state = await ortak(['export', 'notes', '--format', 'yjs', '--data', data])
    const yjsFile = writeFile(data, 'state.yjs', state.bytes)
    expect((await ortak(['import', 'copy', yjsFile, '--data', data])).code).toBe(0)
    expect((await ortak(['export', 'copy', '--data', data])).stdout).toBe('# Notes\n\n* one\n* **two**\n')
  })

  it('refuses to seed a room with content unless --replace, and reads standard input', async () => {
    const data = tempDir()
    expect((await ortak(['import', 'r', writeFile(data, 'a.md', 'first'), '--data', data])).code).toBe(0)
    const again = await ortak(['import', 'r', writeFile(data, 'b.md', 'second'), '--data', data])
    expect(again).toMatchObject({ code: 1, stderr: 'ortak import: room "r" already has content: pass --replace to overwrite it\n' })
    expect((await ortak(['export', 'r', '--data', data])).stdout).toBe('first\n')

    const replaced = await ortak(['import', 'r', '-', '--format', 'html', '--replace', '--data', data], {}, Buffer.from('<p>from <em>stdin</em></p>'))
    expect(replaced.code).toBe(0)
    expect(replaced.stderr).toMatch(/^replaced room "r"/)
    expect((await ortak(['export', 'r', '--data', data])).stdout).toBe('from *stdin*\n')
    const unchanged = await ortak(['import', 'r', writeFile(data, 'c.md', 'from *stdin*'), '--replace', '--data', data])
    expect(unchanged).toMatchObject({ code: 0, stderr: 'room "r" already holds exactly this document: nothing changed\n' })
  })

  it('takes DATA_DIR from the environment', async () => {
    const data = tempDir()
    expect((await ortak(['import', 'env', writeFile(data, 'x.md', 'via env')], { DATA_DIR: data })).code).toBe(0)
    expect((await ortak(['export', 'env'], { DATA_DIR: data })).stdout).toBe('via env\n')
  })
})

describe('ortak list / inspect / compact', () => {
  it('lists rooms, shows how one is stored, and compacts logs into snapshots', async () => {
    const data = tempDir()
    await ortak(['import', 'beta', writeFile(data, 'b.md', 'b'), '--data', data])
    await ortak(['import', 'alpha', writeFile(data, 'a.md', 'a'), '--data', data])
    await ortak(['import', 'alpha', writeFile(data, 'a2.md', 'a, changed'), '--replace', '--data', data])

    const listed = await ortak(['list', '--data', data])
    expect(listed.code).toBe(0)
    const lines = listed.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ROOM\s+BYTES\s+UPDATES\s+LAST CHANGE$/)
    expect(lines[1]).toMatch(/^alpha\s+\d+\s+2\s+\d{4}-\d\d-\d\dT/)
    expect(lines[2]).toMatch(/^beta\s+\d+\s+1\s+\d{4}-\d\d-\d\dT/)
    expect(listed.stderr).toBe('2 rooms\n')
    const json = JSON.parse((await ortak(['list', '--json', '--data', data])).stdout) as Array<{ name: string; updates: number }>
    expect(json.map((r) => [r.name, r.updates])).toEqual([['alpha', 2], ['beta', 1]])

    const before = JSON.parse((await ortak(['inspect', 'alpha', '--json', '--data', data])).stdout)
    expect(before).toMatchObject({ room: 'alpha', log: { updates: 2 }, snapshotBytes: null, document: { blocks: 1, characters: 10 } })
    expect(Object.keys(before.stateVector)).toHaveLength(2)

    const compacted = await ortak(['compact', 'alpha', '--data', data])
    expect(compacted.code).toBe(0)
    expect(compacted.stdout).toMatch(/^alpha: 2 updates \(\d+ bytes\) -> snapshot of \d+ bytes\n$/)
    const after = JSON.parse((await ortak(['inspect', 'alpha', '--json', '--data', data])).stdout)
    expect(after).toMatchObject({ log: { updates: 0, bytes: 0 }, stateVector: before.stateVector, document: before.document })
    expect(after.snapshotBytes).toBeGreaterThan(0)
    expect((await ortak(['export', 'alpha', '--data', data])).stdout).toBe('a, changed\n')

    const text = (await ortak(['inspect', 'alpha', '--data', data])).stdout
    expect(text).toMatch(/^room {10}alpha\nlog {11}0 updates, 0 bytes\nsnapshot {6}\d+ bytes\nstored {8}\d+ bytes, last change \d{4}-/)
    expect(text).toMatch(/\nstate vector  \d+:\d+ \d+:\d+\ndocument {6}1 blocks, 10 characters of text\n$/)

    const all = await ortak(['compact', '--data', data])
    expect(all.stdout).toMatch(/^alpha: already compact \(no updates in the log\)\nbeta: 1 updates \(\d+ bytes\) -> snapshot of \d+ bytes\n$/)
  })
})

describe('ortak with --url: through a running server', () => {
  it('imports into a room an editor has open, who sees it live, and lists connected clients', async () => {
    server = await startServer()
    const editor = connectClient(server.wsUrl, 'live')
    clients.push(editor)
    await synced(editor)
    const data = tempDir()
    const seeded = await ortak(['import', 'live', writeFile(data, 'doc.html', '<h2>Agenda</h2><p>item</p>'), '--url', server.url])
    expect(seeded.code).toBe(0)
    await waitFor('the editor to receive the import', () => editor.doc.getXmlFragment('prosemirror').length === 2)

    expect((await ortak(['export', 'live'], { ORTAK_URL: server.url })).stdout).toBe('## Agenda\n\nitem\n')
    const listed = await ortak(['list', '--url', server.url])
    expect(listed.stdout).toMatch(/^ROOM\s+BYTES\s+UPDATES\s+LAST CHANGE\s+CLIENTS\nlive\s+\d+\s+1\s+\S+\s+1\n$/)

    const conflict = await ortak(['import', 'live', writeFile(data, 'again.md', 'x'), '--url', server.url])
    expect(conflict).toMatchObject({ code: 1, stderr: 'ortak import: the server answered 409: room "live" already has content: seeding it would duplicate it; use ?mode=replace to overwrite it\n' })
    const update = Y.encodeStateAsUpdate((() => { const d = new Y.Doc(); d.getMap('m').set('k', 'v'); return d })())
    expect((await ortak(['import', 'live', writeFile(data, 'u.yjs', update), '--url', server.url])).code).toBe(0)
    await waitFor('the editor to receive the update', () => editor.doc.getMap('m').get('k') === 'v')
    expect((await ortak(['export', 'nowhere', '--url', server.url]))).toMatchObject({ code: 1, stderr: 'ortak export: the server answered 404: no document is stored for room "nowhere"\n' })
  })

  it('fails with one line when the server cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const result = await ortak(['list', '--url', `http://127.0.0.1:${port}`])
    expect(result).toMatchObject({ code: 1, stderr: `ortak list: cannot reach the server at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n` })
  })
})

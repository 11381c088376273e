import { expect } from 'vitest'
import { runOrtak } from '../src/cli/run.js'
import { startServer, synced, testWithServer, waitFor, connectClient } from './helpers.js'
import { listVersions, paragraphsOf, typeParagraph } from './history-helpers.js'

/** Runs one `ortak` command line in this process with only the given environment. */
async function ortak(argv: string[], env: Record<string, string> = {}) {
  const out: Buffer[] = []
  let stderr = ''
  const code = await runOrtak(argv, {
    env, readStdin: async () => Buffer.alloc(0),
    stdout: (chunk) => void out.push(Buffer.from(chunk)),
    stderr: (text) => void (stderr += text),
  })
  return { code, stdout: Buffer.concat(out).toString(), stderr }
}

const test = testWithServer({ versionIdleMs: 100 })

test('lists, exports and restores versions through a running server', async ({ server, connect }) => {
  const editor = connect('notes')
  await synced(editor)
  editor.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  typeParagraph(editor, 'first draft')
  await waitFor('a version', async () => (await listVersions(server.url, 'notes')).length === 1)
  typeParagraph(editor, 'second thoughts')
  await waitFor('a second version', async () => (await listVersions(server.url, 'notes')).length === 2)
  const [, first] = await listVersions(server.url, 'notes')

  const listed = await ortak(['versions', 'notes', '--url', server.url])
  expect(listed.code).toBe(0)
  expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+KIND\s+NAME\s+AUTHORS$/)
  expect(listed.stdout).toMatch(new RegExp(`^${first!.id}\\s+\\S+\\s+auto\\s+Ada\\*$`, 'm'))
  expect(listed.stderr).toBe('2 versions\n')
  expect(JSON.parse((await ortak(['versions', 'notes', '--json', '--url', server.url])).stdout)).toHaveLength(2)

  expect(await ortak(['export', 'notes', '--version', String(first!.id), '--url', server.url])).toMatchObject({ code: 0, stdout: 'first draft\n' })
  const restored = await ortak(['restore', 'notes', String(first!.id)], { ORTAK_URL: server.url })
  expect(restored).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`^restored room "notes" to version ${first!.id}; recorded as version \\d+\\n$`)) })
  await waitFor('the editor to see the restore', () => paragraphsOf(editor.doc).join('|') === 'first draft')

  expect(await ortak(['restore', 'notes', '999999', '--url', server.url])).toMatchObject({
    code: 1, stderr: 'ortak restore: the server answered 404: room "notes" has no version 999999\n',
  })
  expect(await ortak(['export', 'notes', '--version', 'latest', '--url', server.url])).toMatchObject({
    code: 2, stderr: 'ortak export: --version must be a version number (see ortak versions ROOM), got "latest" (see ortak export --help)\n',
  })
  expect((await ortak(['restore', 'notes'])).stderr).toBe('ortak restore: missing ID (see ortak restore --help)\n')
})

test('lists, exports and restores versions in the data directory', async () => {
  const server = await startServer({ versionIdleMs: 100 })
  const { dataDir } = server
  const editor = connectClient(server.wsUrl, 'local')
  await synced(editor)
  typeParagraph(editor, 'kept')
  await waitFor('a version', async () => (await listVersions(server.url, 'local')).length === 1)
  typeParagraph(editor, 'dropped')
  await waitFor('a second version', async () => (await listVersions(server.url, 'local')).length === 2)
  editor.destroy()
  await server.close()

  const listed = await ortak(['versions', 'local', '--json', '--data', dataDir])
  const versions = JSON.parse(listed.stdout) as Array<{ id: number }>
  expect(versions).toHaveLength(2)
  const first = versions[1]!.id
  expect((await ortak(['export', 'local', '--version', String(first), '--format', 'text', '--data', dataDir])).stdout).toBe('kept\n')
  expect(await ortak(['restore', 'local', String(first), '--data', dataDir])).toMatchObject({ code: 0 })
  expect((await ortak(['export', 'local', '--data', dataDir])).stdout).toBe('kept\n')
  const after = JSON.parse((await ortak(['versions', 'local', '--json', '--data', dataDir])).stdout) as Array<{ kind: string; restoredFrom: number }>
  expect(after[0]).toMatchObject({ kind: 'restore', restoredFrom: first })
  expect(await ortak(['versions', 'nobody', '--data', dataDir])).toMatchObject({ code: 1, stderr: 'ortak versions: no document is stored for room "nobody"\n' })
})

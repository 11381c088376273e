import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectClient, spawnServer, startServer, synced, tempDir, type TestServer } from './helpers.js'

describe('HTTP', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('answers /healthz with status, rooms and connections', async () => {
    server = await startServer()
    const client = connectClient(server.wsUrl, 'health-room')
    await synced(client)
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', rooms: 1, connections: 1 })
    client.destroy()
  })

  it('serves the built editor at / when there is one, and a placeholder page otherwise', async () => {
    server = await startServer()
    const placeholder = await fetch(`${server.url}/`)
    expect(placeholder.status).toBe(200)
    expect(await placeholder.text()).toContain('npm run build')
    await server.close()

    const editorDir = tempDir()
    fs.writeFileSync(path.join(editorDir, 'index.html'), '<!doctype html><title>built editor</title>')
    server = await startServer({ editorDir })
    const page = await fetch(`${server.url}/?room=abc&name=Ada`)
    expect(await page.text()).toContain('built editor')
  })

  it('answers unknown routes with a JSON 404', async () => {
    server = await startServer()
    const response = await fetch(`${server.url}/nope`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'no route for GET /nope' })
  })

  it('refuses to start with a bad setting, naming it, exit code 2', async () => {
    await expect(spawnServer(tempDir(), ['--port', 'lots'])).rejects.toThrow(/exited with 2.*invalid --port/s)
  })
})

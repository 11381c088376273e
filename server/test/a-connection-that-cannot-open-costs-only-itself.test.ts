/**
 * Opening an accepted WebSocket in its room runs inside the upgrade's
 * promise handler: a fault there, of the server's own, would be an
 * unhandled rejection, which ends a Node process. It closes that one
 * connection with 1011 and a log line instead; the server goes on.
 */
import { expect, vi } from 'vitest'
import { CLOSE_INTERNAL_ERROR } from '@ortak/protocol'
import { rawSocket, synced, testWithServer } from './helpers.js'

const test = testWithServer()

test('a fault opening a connection closes it with 1011 and a log line, and the next one opens', async ({ server, connect }) => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const connectRoom = vi.spyOn(server.server.registry, 'connect').mockImplementationOnce(() => {
      throw new Error('injected fault while connecting')
    })
    const refused = await rawSocket(server.wsUrl, 'faulty')
    expect(await refused.closed).toEqual({ code: CLOSE_INTERNAL_ERROR, reason: 'internal error: the connection could not be opened' })
    const line = server.logs.find((l) => l.msg === 'WebSocket connection could not be opened')
    expect(line).toMatchObject({ level: 50, room: 'faulty', err: { message: 'injected fault while connecting' } })

    const client = connect('faulty')
    await synced(client)
    client.doc.getText('t').insert(0, 'still serving')
    expect(connectRoom).toHaveBeenCalledTimes(2)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

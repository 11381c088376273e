/**
 * Many idle clients: raw y-websocket protocol clients (sync step 1, answer
 * to the server's step 1, nothing more; in Hocuspocus's framing for it),
 * either all in one room or one room each with a small document written on
 * connect. Each report says how many of the open clients the server has
 * closed meanwhile (Hocuspocus closes a socket silent for a minute), so a
 * figure of fewer connections than it says is known.
 */
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import { smallDocumentFrame } from '../lib/small-document.js'
import { median } from '../lib/stats.js'
import type { Wire } from '../lib/wire.js'

const { wire, urlPrefix } = driverOptions<{ wire: Wire; urlPrefix: string }>()
const CONCURRENCY = 64

let clients: ProtocolClient[] = []

onCommand('connect', async (command) => {
  const { count, roomPrefix, isOneRoomEach } = command as unknown as { count: number; roomPrefix: string; isOneRoomEach: boolean }
  const first = clients.length
  const times: number[] = []
  const started = performance.now()
  let next = first
  const worker = async () => {
    while (next < first + count) {
      const index = next++
      const room = isOneRoomEach ? `${roomPrefix}-${index}` : roomPrefix
      const opened = performance.now()
      const client = new ProtocolClient(urlPrefix + encodeURIComponent(room), wire)
      clients.push(client)
      await client.synced
      times.push(performance.now() - opened)
      if (isOneRoomEach) client.send(smallDocumentFrame)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  report('connected', { totalMs: performance.now() - started, medianMs: median(times), open: clients.length, closedByServer: clients.filter((c) => c.isClosedByServer).length })
})

onCommand('close-all', async () => {
  const closing = clients
  clients = []
  const closedByServer = closing.filter((c) => c.isClosedByServer).length
  for (const client of closing) client.close()
  await Promise.all(closing.map((c) => c.closed))
  report('closed', { closedByServer })
})

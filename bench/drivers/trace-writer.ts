/**
 * The trace writer: holds the trace's update frames (or those of a cache
 * file given as `file`), encoded before the clock starts, and on "go" sends
 * them as fast as its socket drains.
 */
import { driverOptions, fail, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient } from '../lib/protocol-client.js'
import { loadTrace, readFrames } from '../lib/trace.js'
import type { Wire } from '../lib/wire.js'

const { wire, url, count, file } = driverOptions<{ wire: Wire; url: string; count?: number; file?: string }>()
const client = new ProtocolClient(url, wire)
const frames = (file ? readFrames(file) : loadTrace(count!)).frames.map(client.framing.wrap)
client.closed.then(() => report('closed'), fail)

onCommand('go', async () => {
  const started = performance.now()
  await client.sendAll(frames)
  report('sent', { ms: performance.now() - started, frames: frames.length })
})
onCommand('close', () => {
  client.close()
})

await client.synced
report('ready')

/**
 * A client joining a room that holds the whole paper (the automerge-paper
 * trace, 259,778 edits, sent as 64 updates), while the room is being edited:
 * before each join the writer types one more character, so the server cannot
 * answer from a copy it encoded earlier. The figure is the time from a stock
 * provider's `new` to its synced document holding the full text, on the
 * client; and the server's CPU over the joins.
 *
 *   npx tsx bench/tools/join-loaded-paper.ts [ortak|reference|hocuspocus] [joins]
 *
 * With PROFILE_DIR set, the server writes a CPU profile there.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { sleep } from '../lib/context.js'
import { ProtocolClient, updateOf } from '../lib/protocol-client.js'
import { connectProvider, whenSynced } from '../lib/providers.js'
import { type ServerKind, startServer } from '../lib/servers.js'
import { TRACE_ROOT, loadTrace, traceLength } from '../lib/trace.js'

const kind = (process.argv[2] ?? 'ortak') as ServerKind
const joins = Number(process.argv[3] ?? 7)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-join-'))
const room = 'paper'

const count = traceLength()
const trace = loadTrace(count, Math.ceil(count / 64))
const writerDoc = new Y.Doc()
for (const frame of trace.frames) Y.applyUpdate(writerDoc, updateOf(frame)!)
const updateFrame = (update: Uint8Array) => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, 2)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []
const server = await startServer(kind, { dataDir: path.join(dir, 'data'), nodeFlags: profile })
try {
  const writer = new ProtocolClient(server.roomUrl(room), server.wire)
  await writer.synced
  for (const frame of trace.frames) writer.send(frame)
  let expected = trace.endText
  const times: number[] = []
  const cpu: number[] = []
  for (let i = 0; i <= joins; i++) {
    // One more character, so that no earlier encoding of the whole document is still current.
    const before = Y.encodeStateVector(writerDoc)
    writerDoc.getText(TRACE_ROOT).insert(0, 'x')
    expected = writerDoc.getText(TRACE_ROOT).toString()
    writer.send(updateFrame(Y.encodeStateAsUpdate(writerDoc, before)))
    await sleep(i === 0 ? 3_000 : 300)
    const doc = new Y.Doc()
    const cpuBefore = server.cpuSeconds()
    const started = performance.now()
    const provider = connectProvider(server.wire, { url: server.providerUrl, room, doc })
    await whenSynced(provider)
    const text = doc.getText(TRACE_ROOT).toString()
    const ms = performance.now() - started
    if (text !== expected) throw new Error(`${kind}: the joining client's text is not the room's (${text.length} against ${expected.length} characters)`)
    await sleep(200)
    // The first join warms the paths up; it is not counted.
    if (i > 0) {
      times.push(ms)
      cpu.push((server.cpuSeconds() - cpuBefore) * 1000)
    }
    provider.destroy()
    doc.destroy()
  }
  console.log(JSON.stringify({
    kind, load: os.loadavg().map((l) => l.toFixed(2)).join(' '), joins,
    medianMs: +median(times).toFixed(1), serverCpuMsPerJoin: +median(cpu).toFixed(1),
    each: times.map((t) => +t.toFixed(0)),
  }))
  writer.close()
} finally {
  await server.stop()
  fs.rmSync(dir, { recursive: true, force: true })
}

/**
 * Where an idle connection's memory goes: starts a server of the bench
 * (`ortak`, `reference` or `hocuspocus`), opens `count` idle clients (all
 * in one room, or a room each with a small document, as the connections
 * scenario does), and compares V8 heap snapshots taken before and after,
 * grouped by what each object is. Prints the largest growths per connection,
 * and heap + external per connection from the memory probe.
 *
 *   npx tsx bench/tools/heap-per-connection.ts [ortak|reference|hocuspocus] [count] [one|each]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sleep } from '../lib/context.js'
import { spawnDriver } from '../lib/driver.js'
import { type ServerKind, heldBytes, startServer } from '../lib/servers.js'

const kind = (process.argv[2] ?? 'ortak') as ServerKind
const count = Number(process.argv[3] ?? 3_000)
const isOneRoomEach = process.argv[4] === 'each'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-heap-'))
const snapshots = path.join(dir, 'snapshots')
fs.mkdirSync(snapshots)

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

/** Self sizes summed by "type name", over every node of the snapshot. */
function sizesByKind(file: string): Map<string, { bytes: number; count: number }> {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot
  const fields = parsed.snapshot.meta.node_fields
  const types = parsed.snapshot.meta.node_types[0]
  const width = fields.length
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number]
  const sizes = new Map<string, { bytes: number; count: number }>()
  for (let i = 0; i < parsed.nodes.length; i += width) {
    const type = types[parsed.nodes[i + typeAt]!]!
    let name = parsed.strings[parsed.nodes[i + nameAt]!]!
    // Strings and numbers are named by their value: group them by type alone.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = ''
    if (name.length > 60) name = `${name.slice(0, 60)}...`
    const key = `${type} ${name}`
    const entry = sizes.get(key) ?? { bytes: 0, count: 0 }
    entry.bytes += parsed.nodes[i + sizeAt]!
    entry.count++
    sizes.set(key, entry)
  }
  return sizes
}

async function snapshot(pid: number): Promise<string> {
  const before = new Set(fs.readdirSync(snapshots))
  process.kill(pid, 'SIGUSR2')
  for (let i = 0; i < 600; i++) {
    await sleep(100)
    const made = fs.readdirSync(snapshots).filter((f) => !before.has(f))
    // The file is complete once its size stops changing.
    if (made.length === 1) {
      const file = path.join(snapshots, made[0]!)
      const size = fs.statSync(file).size
      await sleep(500)
      if (fs.statSync(file).size === size && size > 0) return file
    }
  }
  throw new Error(`${kind} wrote no heap snapshot within 60 s`)
}

const server = await startServer(kind, {
  dataDir: path.join(dir, 'data'),
  nodeFlags: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`],
})
const clients = spawnDriver('connections-clients', { wire: server.wire, urlPrefix: server.roomUrl('') })
try {
  await sleep(500)
  // A warm-up round, as the connections scenario does: compiled code and pools are not per connection.
  clients.command('connect', { count: 100, roomPrefix: 'warmup', isOneRoomEach })
  await clients.next('connected', 60_000)
  clients.command('close-all')
  await clients.next('closed', 60_000)
  await sleep(kind === 'ortak' ? 12_000 : 1_000)
  const memoryBefore = await server.memory()
  const before = sizesByKind(await snapshot(server.pid))
  clients.command('connect', { count, roomPrefix: 'measured', isOneRoomEach })
  await clients.next('connected', 180_000)
  await sleep(300)
  const memoryAfter = await server.memory()
  const after = sizesByKind(await snapshot(server.pid))
  const rows = [...after].map(([key, a]) => {
    const b = before.get(key) ?? { bytes: 0, count: 0 }
    return { key, bytes: (a.bytes - b.bytes) / count, objects: (a.count - b.count) / count }
  }).sort((x, y) => y.bytes - x.bytes)
  const heapTotal = rows.reduce((sum, r) => sum + r.bytes, 0)
  console.log(`${kind}, ${count} idle connections, ${isOneRoomEach ? 'a room each' : 'one room'}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log(`heap+external per connection (probe): ${((heldBytes(memoryAfter) - heldBytes(memoryBefore)) / count).toFixed(0)} B; heap ${((memoryAfter.heapUsed - memoryBefore.heapUsed) / count).toFixed(0)} B, external ${((memoryAfter.external - memoryBefore.external) / count).toFixed(0)} B`)
  console.log(`snapshot self sizes per connection: ${heapTotal.toFixed(0)} B`)
  for (const row of rows.slice(0, 40)) console.log(`${row.bytes.toFixed(1).padStart(8)} B ${row.objects.toFixed(2).padStart(6)} x  ${row.key}`)
} finally {
  await clients.stop()
  await server.stop()
  if (process.env.KEEP_SNAPSHOTS) console.log(`snapshots kept in ${snapshots}`)
  else fs.rmSync(dir, { recursive: true, force: true })
}

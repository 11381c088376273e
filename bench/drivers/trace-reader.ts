/**
 * The trace reader: a stock client (the server's own provider) in its own
 * process that applies whatever arrives and reports the moment its text is
 * exactly the trace's final text.
 */
import * as Y from 'yjs'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { connectProvider } from '../lib/providers.js'
import { TRACE_ROOT, loadTrace } from '../lib/trace.js'
import type { Wire } from '../lib/wire.js'

const { wire, providerUrl, room, count } = driverOptions<{ wire: Wire; providerUrl: string; room: string; count: number }>()
const { endText } = loadTrace(count)
const doc = new Y.Doc()
const text = doc.getText(TRACE_ROOT)
const provider = connectProvider(wire, { url: providerUrl, room, doc })

let isDone = false
let updates = 0
const cpuAtStart = process.cpuUsage()
doc.on('update', () => {
  updates++
  // Length first: it is O(1), the string comparison is not.
  if (isDone || text.length !== endText.length || text.toString() !== endText) return
  isDone = true
  const cpu = process.cpuUsage(cpuAtStart)
  report('done', { updates, readerCpuSeconds: (cpu.user + cpu.system) / 1e6 })
})

onCommand('close', () => {
  provider.destroy()
})

provider.onSynced(() => report('ready'))

/**
 * Preloaded (`--import`) into both servers under test, identically: answers
 * the bench's memory questions over the IPC channel. It runs a full garbage
 * collection first, so the figure is what the server still holds, not what
 * the collector has not reached yet.
 *
 * V8's gc is exposed at run time, on the first question, rather than by
 * starting node with --expose-gc: a V8 flag given at start-up makes node
 * compile every built-in module afresh instead of from its code cache,
 * which slows a start by tens of milliseconds (the more built-ins a server
 * loads, the more), and no server runs with it in production.
 */
import v8 from 'node:v8'
import vm from 'node:vm'

let gc
const collectGarbage = () => {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc')
  }
  gc()
}
const settle = () => new Promise((resolve) => setImmediate(resolve))

process.on('message', async (message) => {
  if (message?.type !== 'memory') return
  for (let i = 0; i < 3; i++) {
    collectGarbage()
    await settle()
  }
  const usage = process.memoryUsage()
  process.send?.({
    type: 'memory', id: message.id,
    rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers,
  })
})

// Under a CPU profile (`npm run bench -- --profile DIR`, bench/tools/quiet-room-profile.ts), a server that has no
// SIGTERM handler of its own (the reference) would die of the bench's stop without writing its profile, which
// node writes on exit: it exits instead. A server with a handler (Ortak, Hocuspocus) stops as it always does.
if (process.execArgv.includes('--cpu-prof')) {
  process.on('SIGTERM', () => {
    if (process.listenerCount('SIGTERM') === 1) process.exit(0)
  })
}

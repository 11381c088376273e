/**
 * Preloaded (`--import`) into both servers under test, identically: answers
 * the bench's memory questions over the IPC channel. It runs a full garbage
 * collection first (the servers start with --expose-gc), so the figure is
 * what the server still holds, not what the collector has not reached yet.
 */
const settle = () => new Promise((resolve) => setImmediate(resolve))

process.on('message', async (message) => {
  if (message?.type !== 'memory') return
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await settle()
  }
  const usage = process.memoryUsage()
  process.send?.({
    type: 'memory', id: message.id,
    rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers,
  })
})

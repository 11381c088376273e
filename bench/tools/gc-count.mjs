/**
 * Preloaded into a server (`node --import bench/tools/gc-count.mjs ...`) by
 * bench/tools/fanout-tail.ts --gc: counts the process's garbage collections
 * by kind and writes the totals, once a second, to GC_COUNT_FILE.
 */
import fs from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-sweep',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
}
const file = process.env.GC_COUNT_FILE
if (!file) throw new Error('bench/tools/gc-count.mjs needs GC_COUNT_FILE, the file to write the counts to')
const totals = {}
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind)
    const total = totals[kind] ??= { count: 0, ms: 0, over1ms: 0, maxMs: 0 }
    total.count++
    total.ms += entry.duration
    if (entry.duration > 1) total.over1ms++
    total.maxMs = Math.max(total.maxMs, entry.duration)
  }
}).observe({ entryTypes: ['gc'] })
setInterval(() => fs.writeFileSync(file, JSON.stringify(totals)), 1000).unref()

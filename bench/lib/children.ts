/**
 * Every process the bench starts (servers, drivers) is killed when the
 * bench exits, however it exits: an interrupted or failed run must not
 * leave servers behind holding ports, files and CPU.
 */
import type { ChildProcess } from 'node:child_process'

const running = new Set<ChildProcess>()

export function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130))
}

/**
 * Client processes ("drivers"): each scenario's clients run in their own
 * Node process, apart from the server and from the orchestrator, and talk
 * to the orchestrator over the IPC channel: commands in, reports out.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { track } from './children.js'
import { repoRoot } from './servers.js'

export interface Report {
  type: string
  [key: string]: unknown
}

export interface DriverHandle {
  /** Sends a command; the orchestrator's clock reading at the send is returned. */
  command(type: string, body?: Record<string, unknown>): number
  /** The next report of `type` and the orchestrator's clock when it arrived; fails after `timeoutMs`. */
  next<T extends Report>(type: string, timeoutMs: number): Promise<T & { receivedAt: number }>
  stop(): Promise<void>
}

let driverNodeFlags: string[] = []

/** Extra node flags for every driver started from now on (--cpu-prof when profiling). */
export function setDriverNodeFlags(flags: string[]): void {
  driverNodeFlags = flags
}

/** Starts `bench/drivers/<name>.ts` with `options` as its JSON argument. */
export function spawnDriver(name: string, options: Record<string, unknown>): DriverHandle {
  const child: ChildProcess = spawn(process.execPath, [...driverNodeFlags, '--import', 'tsx', path.join(repoRoot, 'bench/drivers', `${name}.ts`), JSON.stringify(options)], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  track(child)
  const queued: Array<Report & { receivedAt: number }> = []
  const waiters: Array<{ type: string; resolve(report: Report & { receivedAt: number }): void }> = []
  let failure: Error | null = null
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    failure ??= new Error(`driver ${name} exited (${code ?? signal})`)
    for (const waiter of waiters.splice(0)) waiter.resolve({ type: 'exit', receivedAt: performance.now() })
    resolve()
  }))
  child.on('message', (message: Report) => {
    const report = { ...message, receivedAt: performance.now() }
    if (report.type === 'error') {
      failure = new Error(`driver ${name}: ${String((message as { message?: unknown }).message)}`)
      for (const waiter of waiters.splice(0)) waiter.resolve(report)
      return
    }
    const index = waiters.findIndex((w) => w.type === report.type)
    if (index === -1) queued.push(report)
    else waiters.splice(index, 1)[0]!.resolve(report)
  })
  return {
    command: (type, body = {}) => {
      const at = performance.now()
      child.send({ type, ...body })
      return at
    },
    next: <T extends Report>(type: string, timeoutMs: number) => {
      const index = queued.findIndex((r) => r.type === type)
      if (index !== -1) return Promise.resolve(queued.splice(index, 1)[0] as T & { receivedAt: number })
      if (failure) return Promise.reject(failure)
      return new Promise<T & { receivedAt: number }>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter)
          if (i !== -1) waiters.splice(i, 1)
          reject(new Error(`driver ${name}: no "${type}" report within ${timeoutMs} ms`))
        }, timeoutMs)
        const waiter = {
          type,
          resolve: (report: Report & { receivedAt: number }) => {
            clearTimeout(timer)
            if (report.type !== type) reject(failure ?? new Error(`driver ${name} ended`))
            else resolve(report as T & { receivedAt: number })
          },
        }
        waiters.push(waiter)
      })
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/**
 * Reachability of the services the server depends on (PostgreSQL and
 * Redis when scaled out; nothing in the single-process default), for
 * `/healthz` and the readiness answer at `/readyz`.
 */
export interface Dependency {
  name: string
  /** Resolves if the service answers; rejects with an error naming the problem. */
  check(): Promise<void>
}

export interface DependencyStatus {
  reachable: boolean
  problem?: string
}

/** Checks every dependency at once; one that does not answer within `timeoutMs` counts as unreachable. */
export async function checkDependencies(dependencies: readonly Dependency[], timeoutMs = 2_000): Promise<Record<string, DependencyStatus>> {
  const results = await Promise.all(dependencies.map(async (dependency): Promise<[string, DependencyStatus]> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([dependency.check(), timeout])
      return [dependency.name, { reachable: true }]
    } catch (error) {
      return [dependency.name, { reachable: false, problem: (error as Error).message }]
    } finally {
      clearTimeout(timer)
    }
  }))
  return Object.fromEntries(results)
}

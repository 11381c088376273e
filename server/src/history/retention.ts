/**
 * Which automatic versions a room keeps as they age (`VERSION_RETENTION`):
 * a pure function of the versions and the time, so it is tested with any
 * clock. Named versions and restores are always kept, and so is the newest
 * version, which the next one is stored as the difference from.
 */
import type { ThinningStep, VersionInfo } from '../storage/versions.js'

export type RetentionPolicy = 'default' | 'all'

export const retentionPolicies: readonly RetentionPolicy[] = ['default', 'all']

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** For versions of at least `olderThan` age, one per `bucket` of time is kept (the newest in it). */
const DEFAULT_TIERS: ReadonlyArray<{ olderThan: number; bucket: number }> = [
  { olderThan: 90 * DAY, bucket: 7 * DAY },
  { olderThan: 7 * DAY, bucket: DAY },
  { olderThan: DAY, bucket: HOUR },
]

/**
 * The versions to remove, each with the version after it (which then holds
 * its changes). `versions` may come in any order.
 */
export function thinningSteps(
  versions: readonly Pick<VersionInfo, 'id' | 'kind' | 'createdAt'>[],
  policy: RetentionPolicy,
  now: number,
): ThinningStep[] {
  if (policy === 'all' || versions.length < 2) return []
  const ordered = [...versions].sort((a, b) => a.id - b.id)
  const newestInBucket = new Map<string, number>()
  const bucketOf = (version: Pick<VersionInfo, 'createdAt'>): string | null => {
    const age = now - version.createdAt
    const tier = DEFAULT_TIERS.find((t) => age >= t.olderThan)
    return tier ? `${tier.bucket}:${Math.floor(version.createdAt / tier.bucket)}` : null
  }
  for (const version of ordered) {
    const bucket = version.kind === 'auto' ? bucketOf(version) : null
    if (bucket !== null) newestInBucket.set(bucket, version.id)
  }
  const steps: ThinningStep[] = []
  for (let i = 0; i < ordered.length - 1; i++) {
    const version = ordered[i]!
    if (version.kind !== 'auto') continue
    const bucket = bucketOf(version)
    if (bucket === null || newestInBucket.get(bucket) === version.id) continue
    steps.push({ remove: version.id, into: ordered[i + 1]!.id })
  }
  return steps
}

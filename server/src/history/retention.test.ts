import { describe, expect, it } from 'vitest'
import type { VersionInfo } from '../storage/versions.js'
import { thinningSteps } from './retention.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const now = Date.UTC(2026, 11, 1, 12)

/** Versions at the given ages (ms before `now`), oldest first, with ids in that order. */
const versionsAged = (ages: readonly number[], kinds: Record<number, VersionInfo['kind']> = {}) =>
  [...ages].sort((a, b) => b - a).map((age, i) => ({ id: i + 1, kind: kinds[i + 1] ?? 'auto' as const, createdAt: now - age }))

describe('default retention', () => {
  it('keeps every version from the last day', () => {
    expect(thinningSteps(versionsAged([23 * HOUR, 2 * HOUR, 60_000, 1_000]), 'default', now)).toEqual([])
  })

  it('keeps the newest version of each hour for a week, of each day for three months, of each week after', () => {
    const sameHour = Math.floor((now - 2 * DAY) / HOUR) * HOUR
    const sameDay = Math.floor((now - 10 * DAY) / DAY) * DAY
    const sameWeek = Math.floor((now - 200 * DAY) / (7 * DAY)) * 7 * DAY
    const versions = [
      { id: 1, kind: 'auto' as const, createdAt: sameWeek + 1_000 },
      { id: 2, kind: 'auto' as const, createdAt: sameWeek + 2 * DAY },
      { id: 3, kind: 'auto' as const, createdAt: sameDay + 1_000 },
      { id: 4, kind: 'auto' as const, createdAt: sameDay + 5 * HOUR },
      { id: 5, kind: 'auto' as const, createdAt: sameHour + 1_000 },
      { id: 6, kind: 'auto' as const, createdAt: sameHour + 30 * 60_000 },
      { id: 7, kind: 'auto' as const, createdAt: now - 1_000 },
    ]
    expect(thinningSteps(versions, 'default', now)).toEqual([{ remove: 1, into: 2 }, { remove: 3, into: 4 }, { remove: 5, into: 6 }])
  })

  it('keeps named versions and restores, merging a removed version into the next one whatever its kind', () => {
    const hour = Math.floor((now - 3 * DAY) / HOUR) * HOUR
    const versions = [
      { id: 1, kind: 'named' as const, createdAt: hour + 1 },
      { id: 2, kind: 'auto' as const, createdAt: hour + 2 },
      { id: 3, kind: 'restore' as const, createdAt: hour + 3 },
      { id: 4, kind: 'auto' as const, createdAt: hour + 4 },
      { id: 5, kind: 'auto' as const, createdAt: now },
    ]
    expect(thinningSteps(versions, 'default', now)).toEqual([{ remove: 2, into: 3 }])
  })

  it('never removes the newest version, which the next one is stored against', () => {
    const versions = versionsAged([400 * DAY + 2, 400 * DAY + 1])
    expect(thinningSteps(versions, 'default', now)).toEqual([{ remove: 1, into: 2 }])
    expect(thinningSteps(versions.slice(1), 'default', now)).toEqual([])
  })
})

it('keeps everything with the all policy', () => {
  expect(thinningSteps(versionsAged([400 * DAY + 2, 400 * DAY + 1, 1]), 'all', now)).toEqual([])
})

/** Small statistics over samples: medians of repetitions and percentiles of latencies. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const max = (values: readonly number[]): number => values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b), -Infinity)

/** Rounds to a readable number of significant digits for tables and JSON. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value
  const magnitude = Math.floor(Math.log10(Math.abs(value)))
  const factor = 10 ** Math.max(0, digits - 1 - magnitude)
  return Math.round(value * factor) / factor
}

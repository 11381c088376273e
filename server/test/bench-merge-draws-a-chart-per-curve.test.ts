/**
 * `npm run bench:merge` draws each curve of the runs it merges as an SVG
 * chart: one file per curve figure, a series per server that has samples
 * of it, a point per step that server measured, pooled over the runs.
 * The runs here are written by the bench's own ScenarioResult, as
 * `npm run bench` writes them, and merged by the real merge process.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { type Curve, ScenarioResult } from '../../bench/lib/results.js'
import { repoRoot } from '../../bench/lib/servers.js'

const ROOMS: Curve = { axis: 'rooms loaded', unit: 'rooms', scale: 'log' }
const INSTANCES: Curve = { axis: 'instances', unit: 'instances', scale: 'linear' }

/** One run's JSON lines: a rooms curve (the reference lacks its last step) and an instances curve of Ortak alone. */
function runLines(offset: number): string {
  const rooms = new ScenarioResult('curve-rooms', {})
  for (const [i, step] of [100, 1_000, 10_000].entries()) {
    rooms.addPoint('ortak', ROOMS, step, 'memory per room', 'KB', 10 + i + offset)
    if (step < 10_000) rooms.addPoint('reference', ROOMS, step, 'memory per room', 'KB', 9 + i + offset)
    rooms.addPoint('hocuspocus', ROOMS, step, 'memory per room', 'KB', 20 + i + offset)
    rooms.addPoint('ortak', ROOMS, step, 'time to load one more room', 'ms', 2 + i)
  }
  rooms.add('ortak', 'not a curve', 'ms', 1)
  const instances = new ScenarioResult('curve-instances', {})
  instances.addPoint('ortak', INSTANCES, 1, 'highest sustained update rate', 'updates/s', 3_200 + offset)
  instances.addPoint('ortak', INSTANCES, 3, 'highest sustained update rate', 'updates/s', 1_600 + offset)
  const machine = { cores: 2, cpu: 'test', node: process.version, loadAverage: 0 }
  return [rooms, instances].map((r) => JSON.stringify({ ...r.summary(), machine, mode: 'quick' })).join('\n')
}

/** Each series of an SVG chart: its name and the number of points (circles) drawn for it. */
function seriesOf(svg: string): Map<string, number> {
  const series = new Map<string, number>()
  for (const match of svg.matchAll(/<g class="series" data-series="([^"]+)"[^>]*>([\s\S]*?)<\/g>/g)) {
    series.set(match[1]!, [...match[2]!.matchAll(/<circle /g)].length)
  }
  return series
}

describe('bench:merge', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortak-bench-merge-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('writes one SVG chart per curve figure, with a series per server and a point per step it measured', async () => {
    const runs = [0, 2].map((offset, i) => {
      const file = path.join(dir, `run${i + 1}.jsonl`)
      fs.writeFileSync(file, `${runLines(offset)}\n`)
      return file
    })
    const charts = path.join(dir, 'charts')
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/merge.ts', '--charts', charts, ...runs], { cwd: repoRoot })

    expect(fs.readdirSync(charts).sort()).toEqual([
      'curve-instances--highest-sustained-update-rate.svg',
      'curve-rooms--memory-per-room.svg',
      'curve-rooms--time-to-load-one-more-room.svg',
    ])
    const memory = fs.readFileSync(path.join(charts, 'curve-rooms--memory-per-room.svg'), 'utf8')
    expect(seriesOf(memory)).toEqual(new Map([['Ortak', 3], ['reference', 2], ['Hocuspocus', 3]]))
    expect(memory).toContain('rooms loaded (log scale)')
    expect(memory).toContain('memory per room (KB)')
    // The x ticks are the steps.
    for (const step of ['100', '1,000', '10,000']) expect(memory).toContain(`>${step}</text>`)
    // A server without samples of a curve has no series on its chart.
    const time = fs.readFileSync(path.join(charts, 'curve-rooms--time-to-load-one-more-room.svg'), 'utf8')
    expect(seriesOf(time)).toEqual(new Map([['Ortak', 3]]))
    const rate = fs.readFileSync(path.join(charts, 'curve-instances--highest-sustained-update-rate.svg'), 'utf8')
    expect(seriesOf(rate)).toEqual(new Map([['Ortak', 2]]))
    expect(rate).not.toContain('log scale')
    // Points are the medians over the runs: 3,200 and 3,202 pool to 3,201.
    expect(rate).toContain('Ortak: 3,201 at 1')

    // The table still has every figure, each step its own row.
    expect(stdout).toContain('| curve-rooms | memory per room, 10,000 rooms | KB | 13 | - | 23 |')
    expect(stdout).toContain('| curve-rooms | not a curve | ms | 1 |')
  })
})

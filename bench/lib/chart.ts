/**
 * A line chart as hand-written SVG, for the curves `npm run bench:merge`
 * draws: one series per server on the same axes, a point per step, a log x
 * axis where the steps grow by a factor, labelled axes with units and a
 * legend. A pure function of its input, so a test can read what it drew.
 */

export interface ChartSeries {
  /** The server's name, shown in the legend and kept in `data-series` for readers of the file. */
  name: string
  color: string
  /** [x, y] per step; a step the server has no figure for is left out. */
  points: ReadonlyArray<readonly [number, number]>
}

export interface LineChart {
  title: string
  xLabel: string
  yLabel: string
  xScale: 'log' | 'linear'
  series: readonly ChartSeries[]
}

const WIDTH = 680
const HEIGHT = 400
const PLOT = { left: 78, right: 500, top: 48, bottom: 330 }
const LEGEND_X = 520

/** The chart as a standalone SVG document. */
export function renderLineChart(chart: LineChart): string {
  const series = chart.series.filter((s) => s.points.length > 0)
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b)
  if (xs.length === 0) throw new RangeError(`chart "${chart.title}" has no points to draw`)
  if (chart.xScale === 'log' && xs[0]! <= 0) throw new RangeError(`chart "${chart.title}": a log x axis needs steps above 0, got ${xs[0]}`)
  const yTop = niceCeiling(Math.max(...series.flatMap((s) => s.points.map(([, y]) => y))))
  const xOf = xAxis(chart.xScale, xs[0]!, xs[xs.length - 1]!)
  const yOf = (y: number) => PLOT.bottom - (y / yTop) * (PLOT.bottom - PLOT.top)
  const yTicks = Array.from({ length: 6 }, (_, i) => (yTop * i) / 5)

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
    // Axes, grid and ticks.
    `<g class="y-axis" stroke="#ddd">`,
    ...yTicks.map((y) => `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${fixed(yOf(y))}" y2="${fixed(yOf(y))}"/>`),
    `</g>`,
    `<g fill="#333" text-anchor="end">`,
    ...yTicks.map((y) => `<text x="${PLOT.left - 6}" y="${fixed(yOf(y) + 4)}">${escape(tickLabel(y))}</text>`),
    `</g>`,
    `<g class="x-axis" fill="#333" text-anchor="middle">`,
    ...xs.map((x) => `<line x1="${fixed(xOf(x))}" x2="${fixed(xOf(x))}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/><text x="${fixed(xOf(x))}" y="${PLOT.bottom + 19}">${escape(tickLabel(x))}</text>`),
    `</g>`,
    `<path d="M${PLOT.left},${PLOT.top} V${PLOT.bottom} H${PLOT.right}" fill="none" stroke="#333"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 42}" text-anchor="middle">${escape(chart.xLabel)}${chart.xScale === 'log' ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(18 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`,
  ]
  for (const [i, s] of series.entries()) {
    const points = [...s.points].sort((a, b) => a[0] - b[0])
    parts.push(
      `<g class="series" data-series="${escape(s.name)}" stroke="${s.color}" fill="${s.color}">`,
      `<polyline fill="none" stroke-width="2" points="${points.map(([x, y]) => `${fixed(xOf(x))},${fixed(yOf(y))}`).join(' ')}"/>`,
      ...points.map(([x, y]) => `<circle cx="${fixed(xOf(x))}" cy="${fixed(yOf(y))}" r="4"><title>${escape(`${s.name}: ${tickLabel(y)} at ${tickLabel(x)}`)}</title></circle>`),
      `</g>`,
      `<g class="legend"><line x1="${LEGEND_X}" x2="${LEGEND_X + 24}" y1="${PLOT.top + 8 + i * 22}" y2="${PLOT.top + 8 + i * 22}" stroke="${s.color}" stroke-width="2"/>`
        + `<circle cx="${LEGEND_X + 12}" cy="${PLOT.top + 8 + i * 22}" r="4" fill="${s.color}"/>`
        + `<text x="${LEGEND_X + 32}" y="${PLOT.top + 12 + i * 22}">${escape(s.name)}</text></g>`,
    )
  }
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

/** Maps a step onto the plot's width; a single step sits in the middle. */
function xAxis(scale: 'log' | 'linear', first: number, last: number): (x: number) => number {
  const at = scale === 'log' ? Math.log10 : (x: number) => x
  const span = at(last) - at(first)
  // Steps keep a margin from the axis ends, so the first and last points are not drawn on the frame.
  const inset = 30
  const width = PLOT.right - PLOT.left - 2 * inset
  return (x) => span === 0 ? (PLOT.left + PLOT.right) / 2 : PLOT.left + inset + ((at(x) - at(first)) / span) * width
}

/** The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for nothing above 0). */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  return [1, 2, 5, 10].map((m) => m * power).find((bound) => bound >= value * (1 - 1e-12))!
}

/** A tick's label: thousands grouped, at most three significant digits below 1,000. */
function tickLabel(value: number): string {
  if (value === 0) return '0'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return String(Number(value.toPrecision(3)))
}

const fixed = (n: number) => n.toFixed(1)

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

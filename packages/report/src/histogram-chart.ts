// Overlaid histograms on one axis (e.g. column sums of the ISAAC-like encoding vs Center+Offset),
// drawn as translucent step areas so every distribution stays visible.
import { type PlotArea, xAxis, xAxisHeight, yAxis, yAxisMargin } from './axes.js';
import { coord, formatSignificant } from './format.js';
import type { Histogram } from './histogram.js';
import { renderLegend } from './legend.js';
import { INK, seriesColor } from './palette.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { el, emptyChart, noteLines, noteLinesHeight, svgDocument, textEl, tooltip } from './svg.js';

export interface HistogramSeries extends Histogram {
  readonly name: string;
  readonly color?: string;
}

/** A vertical reference line, e.g. the range limit of a 7-bit ADC. */
export interface HistogramMarker {
  readonly x: number;
  readonly label: string;
}

export interface HistogramChartData {
  readonly title: string;
  readonly series: readonly HistogramSeries[];
  readonly markers?: readonly HistogramMarker[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Logarithmic count axis: empty bins drop to the baseline. */
  readonly logY?: boolean;
  readonly width?: number;
  readonly plotHeight?: number;
}

interface Step {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

/** The bins of one series from its first to its last non-empty bin; bad counts become 0. */
function stepsOf(series: HistogramSeries, badCounts: { n: number }): Step[] {
  const width = series.width !== undefined && Number.isFinite(series.width) && series.width > 0 ? series.width : 1;
  const counts = (series.counts ?? []).map((c) => {
    if (typeof c === 'number' && Number.isFinite(c) && c >= 0) return c;
    badCounts.n++;
    return 0;
  });
  if (!Number.isFinite(series.start)) {
    badCounts.n += counts.length;
    return [];
  }
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  const steps: Step[] = [];
  for (let i = first; i <= last; i++) {
    const centre = series.start + i * width;
    steps.push({ lo: centre - width / 2, hi: centre + width / 2, count: counts[i] });
  }
  return steps;
}

function stepPath(steps: readonly Step[], x: Scale, y: Scale, baseline: number): string {
  let d = `M${coord(x.map(steps[0].lo))} ${coord(baseline)}`;
  for (const s of steps) {
    const top = s.count > 0 ? coord(y.map(s.count)) : coord(baseline);
    d += `V${top}H${coord(x.map(s.hi))}`;
  }
  return `${d}V${coord(baseline)}Z`;
}

/** The chart as an SVG string; never throws, renders a note when there is nothing to draw. */
export function histogramChartSvg(data: HistogramChartData): string {
  const series = data.series ?? [];
  const log = data.logY === true;
  const badCounts = { n: 0 };
  const steps = series.map((s) => stepsOf(s, badCounts));
  const notes = badCounts.n > 0 ? [`Note: ${badCounts.n} bin count(s) skipped (negative, NaN or Infinity).`] : [];
  const all = steps.flat();
  if (all.length === 0) return emptyChart(data.title, 'No data', notes);

  const markers = (data.markers ?? []).filter((m) => Number.isFinite(m.x));
  // Loops rather than Math.max(...spread): a histogram may have more bins than the call stack allows arguments.
  let xMin = Infinity;
  let xMax = -Infinity;
  let maxCount = 0;
  let minPositive = Infinity;
  for (const s of all) {
    xMin = Math.min(xMin, s.lo);
    xMax = Math.max(xMax, s.hi);
    maxCount = Math.max(maxCount, s.count);
    if (s.count > 0) minPositive = Math.min(minPositive, s.count);
  }
  for (const m of markers) {
    xMin = Math.min(xMin, m.x);
    xMax = Math.max(xMax, m.x);
  }
  const makeY = (r0: number, r1: number): Scale =>
    log ? logScale(minPositive, maxCount, r0, r1) : linearScale(0, maxCount, r0, r1, { includeZero: true });

  const width = Math.max(480, data.width ?? 720);
  const legend = renderLegend(
    series.map((s, i) => ({ label: s.name, color: s.color ?? seriesColor(i) })),
    12,
    34,
    width - 24,
  );
  const top = 34 + legend.height + 10;
  const plotHeight = data.plotHeight ?? 240;
  const yLabel = data.yLabel ?? 'Count';
  const left = Math.max(56, yAxisMargin(makeY(0, 1), true));
  const area: PlotArea = { left, top, width: width - left - 20, height: plotHeight };
  const bottom = top + plotHeight;
  const y = makeY(bottom, top);
  const x = linearScale(xMin, xMax, left, left + area.width);
  const baseline = bottom;

  let body = legend.svg + yAxis(y, area, log ? `${yLabel} (log scale)` : yLabel) + xAxis(x, area, data.xLabel);
  steps.forEach((s, i) => {
    if (s.length === 0) return;
    const color = series[i].color ?? seriesColor(i);
    const total = s.reduce((sum, b) => sum + b.count, 0);
    body += el(
      'path',
      {
        d: stepPath(s, x, y, baseline),
        fill: color,
        'fill-opacity': 0.22,
        stroke: color,
        'stroke-width': 1.5,
        'stroke-linejoin': 'round',
      },
      tooltip(`${series[i].name}: ${formatSignificant(total, 6)} samples`),
    );
  });
  markers.forEach((m, i) => {
    const mx = x.map(m.x);
    body += el('line', { x1: mx, y1: top, x2: mx, y2: bottom, stroke: INK.text, 'stroke-dasharray': '4 3', 'stroke-width': 1 });
    // Alternate label rows so two close markers (an ADC window's ends) do not overprint.
    const anchorEnd = mx > left + area.width * 0.75;
    body += textEl(mx + (anchorEnd ? -4 : 4), top + 12 + (i % 2) * 14, m.label, {
      'font-size': 10,
      fill: INK.text,
      'text-anchor': anchorEnd ? 'end' : 'start',
    });
  });
  const notesTop = bottom + xAxisHeight(data.xLabel !== undefined) + 14;
  body += noteLines(notes, 12, notesTop);
  const height = Math.ceil(notesTop + noteLinesHeight(notes.length) - (notes.length > 0 ? 0 : 12));
  const description = `Histogram overlay of ${series.map((s) => s.name).join(', ')}${log ? ', log-scale counts' : ''}. ${notes.join(' ')}`;
  return svgDocument({ width, height, title: data.title, description: description.trim(), body });
}

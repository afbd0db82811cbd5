// Scatter plot of a trade-off (x = energy, y = accuracy) with its Pareto front highlighted and joined.
import { type PlotArea, xAxis, xAxisHeight, yAxis, yAxisMargin } from './axes.js';
import { coord, estimateTextWidth, formatSi, formatSignificant, truncateLabel } from './format.js';
import { renderLegend } from './legend.js';
import { INK, seriesColor } from './palette.js';
import { paretoFront } from './pareto.js';
import { extent, SkippedValues } from './plottable.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { el, emptyChart, noteLines, noteLinesHeight, svgDocument, textEl, tooltip } from './svg.js';

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label?: string;
}

/** A point drawn for comparison (e.g. a baseline) that takes no part in the front. */
export interface ScatterReference {
  readonly x: number;
  readonly y: number;
  readonly label: string;
}

export interface ScatterChartData {
  readonly title: string;
  readonly points: readonly ScatterPoint[];
  readonly references?: readonly ScatterReference[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Logarithmic x axis; points with x ≤ 0 are then left out and noted. */
  readonly logX?: boolean;
  readonly xFormat?: (v: number) => string;
  readonly yFormat?: (v: number) => string;
  /** Label every point, not only the Pareto-optimal ones (default: only when there are ≤ 12 points). */
  readonly labelAll?: boolean;
  readonly width?: number;
  readonly plotHeight?: number;
}

interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

const LABEL_FONT = 10;
const MAX_LABEL_CHARS = 32;

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * Places a label next to (px, py) in the first of four positions that stays inside the plot and
 * clear of labels placed before; returns nothing when all collide (the tooltip still names the point).
 */
function placeLabel(label: string, px: number, py: number, area: PlotArea, placed: Box[], full: string): string {
  const w = estimateTextWidth(label, LABEL_FONT);
  const h = LABEL_FONT + 2;
  const candidates: { box: Box; x: number; y: number; anchor: string }[] = [
    { box: { x0: px + 6, y0: py - 6 - h, x1: px + 6 + w, y1: py - 6 }, x: px + 6, y: py - 8, anchor: 'start' },
    { box: { x0: px + 6, y0: py + 4, x1: px + 6 + w, y1: py + 4 + h }, x: px + 6, y: py + 4 + LABEL_FONT, anchor: 'start' },
    { box: { x0: px - 6 - w, y0: py - 6 - h, x1: px - 6, y1: py - 6 }, x: px - 6, y: py - 8, anchor: 'end' },
    { box: { x0: px - 6 - w, y0: py + 4, x1: px - 6, y1: py + 4 + h }, x: px - 6, y: py + 4 + LABEL_FONT, anchor: 'end' },
  ];
  for (const c of candidates) {
    const inside =
      c.box.x0 >= area.left && c.box.x1 <= area.left + area.width && c.box.y0 >= area.top && c.box.y1 <= area.top + area.height;
    if (!inside || placed.some((b) => overlaps(b, c.box))) continue;
    placed.push(c.box);
    return textEl(c.x, c.y, label, { 'font-size': LABEL_FONT, 'text-anchor': c.anchor }, full);
  }
  return '';
}

/** The chart as an SVG string; never throws, renders a note when there is nothing to draw. */
export function scatterChartSvg(data: ScatterChartData): string {
  const log = data.logX === true;
  const skipped = new SkippedValues();
  const usable = (p: { x: number; y: number }): boolean =>
    skipped.accept(p.y) !== undefined && skipped.accept(p.x, { log }) !== undefined;
  const points = (data.points ?? []).filter(usable);
  const references = (data.references ?? []).filter(usable);
  const notes = skipped.notes();
  const xRange = extent([...points, ...references].map((p) => p.x));
  const yRange = extent([...points, ...references].map((p) => p.y));
  if (xRange === undefined || yRange === undefined) return emptyChart(data.title, 'No data', notes);

  const front = paretoFront(points);
  const frontCount = front.filter(Boolean).length;
  notes.push(`Pareto front: ${frontCount} of ${points.length} point(s) (lower x and higher y is better).`);
  const xFormat = data.xFormat ?? formatSi;
  const yFormat = data.yFormat ?? ((v: number) => formatSignificant(v, 3));
  const makeY = (r0: number, r1: number): Scale => linearScale(yRange.min, yRange.max, r0, r1);

  const width = Math.max(480, data.width ?? 1000);
  const frontColor = INK.highlight;
  const pointColor = seriesColor(0);
  const legendItems = [
    { label: 'Points', color: pointColor, shape: 'dot' as const },
    { label: 'Pareto-optimal', color: frontColor, shape: 'line' as const },
    ...(references.length > 0 ? [{ label: 'Reference', color: INK.text, shape: 'diamond' as const }] : []),
  ];
  const legend = renderLegend(legendItems, 12, 34, width - 24);
  const top = 34 + legend.height + 10;
  const plotHeight = data.plotHeight ?? 380;
  const left = Math.max(56, yAxisMargin(makeY(0, 1), data.yLabel !== undefined, yFormat));
  const area: PlotArea = { left, top, width: width - left - 24, height: plotHeight };
  const bottom = top + plotHeight;
  const y = makeY(bottom, top);
  // Inset by 8 px so points on the edge of the domain are not cut in half.
  const x = log
    ? logScale(xRange.minPositive, xRange.max, left + 8, left + area.width - 8)
    : linearScale(xRange.min, xRange.max, left + 8, left + area.width - 8);
  const xAxisLabel = data.xLabel === undefined ? undefined : log ? `${data.xLabel} (log scale)` : data.xLabel;

  let body = legend.svg + yAxis(y, area, data.yLabel, yFormat) + xAxis(x, area, xAxisLabel, xFormat);
  const describe = (p: { x: number; y: number; label?: string }): string =>
    `${p.label ?? 'point'}: ${xFormat(p.x)}, ${yFormat(p.y)}`;

  let dots = '';
  points.forEach((p, i) => {
    if (front[i]) return;
    dots += el(
      'circle',
      { cx: x.map(p.x), cy: y.map(p.y), r: 3.5, fill: pointColor, 'fill-opacity': 0.45, stroke: pointColor },
      tooltip(describe(p)),
    );
  });
  const frontOrder = points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => front[i])
    .sort((a, b) => a.p.x - b.p.x || a.p.y - b.p.y || a.i - b.i);
  const line = frontOrder.map(({ p }) => `${coord(x.map(p.x))},${coord(y.map(p.y))}`).join(' ');
  if (frontOrder.length > 1) body += el('polyline', { points: line, fill: 'none', stroke: frontColor, 'stroke-width': 2 });
  body += `<g class="points">${dots}</g>`;
  let frontDots = '';
  for (const { p } of frontOrder) {
    frontDots += el(
      'circle',
      { cx: x.map(p.x), cy: y.map(p.y), r: 5, fill: frontColor, stroke: '#ffffff', 'stroke-width': 1.2 },
      tooltip(`${describe(p)} (Pareto-optimal)`),
    );
  }
  for (const r of references) {
    const rx = x.map(r.x);
    const ry = y.map(r.y);
    frontDots += el(
      'path',
      {
        d: `M${coord(rx)} ${coord(ry - 7)}L${coord(rx + 7)} ${coord(ry)}L${coord(rx)} ${coord(ry + 7)}L${coord(rx - 7)} ${coord(ry)}Z`,
        fill: INK.text,
      },
      tooltip(describe(r)),
    );
  }
  body += `<g class="front">${frontDots}</g>`;

  // Labels: references first, then the front by increasing x, then (optionally) the rest.
  // Points are obstacles too, so a label never hides a neighbouring point.
  const placed: Box[] = [...points, ...references].map((p) => {
    const px = x.map(p.x);
    const py = y.map(p.y);
    return { x0: px - 4, y0: py - 4, x1: px + 4, y1: py + 4 };
  });
  let labels = '';
  const labelAll = data.labelAll ?? points.length <= 12;
  const labelOf = (p: { label?: string; x: number; y: number }): string => p.label ?? `${xFormat(p.x)}, ${yFormat(p.y)}`;
  const toLabel = [...references, ...frontOrder.map(({ p }) => p), ...(labelAll ? points.filter((_, i) => !front[i]) : [])];
  for (const p of toLabel) {
    const full = labelOf(p);
    labels += placeLabel(truncateLabel(full, MAX_LABEL_CHARS), x.map(p.x), y.map(p.y), area, placed, full);
  }
  body += `<g class="labels">${labels}</g>`;

  const notesTop = bottom + xAxisHeight(xAxisLabel !== undefined) + 14;
  body += noteLines(notes, 12, notesTop);
  const height = Math.ceil(notesTop + noteLinesHeight(notes.length));
  const description = `Scatter plot of ${points.length} point(s)${log ? ', log-scale x' : ''}. ${notes.join(' ')}`;
  return svgDocument({ width, height, title: data.title, description, body });
}

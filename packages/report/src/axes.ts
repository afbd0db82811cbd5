// Axes, grid lines and category labels shared by all charts.
import { estimateTextWidth, formatSi, truncateLabel } from './format.js';
import { INK } from './palette.js';
import type { Scale } from './scale.js';
import { el, textEl } from './svg.js';

/** The plotting rectangle inside a chart, in SVG pixels. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export const TICK_FONT_SIZE = 11;

/** Left margin that fits the tick labels of `scale` plus the rotated axis label. */
export function yAxisMargin(scale: Scale, hasLabel: boolean, format: (v: number) => string = formatSi): number {
  const widest = Math.max(0, ...scale.ticks.map((t) => estimateTextWidth(format(t), TICK_FONT_SIZE)));
  return Math.ceil(widest + 12 + (hasLabel ? 22 : 6));
}

/** Horizontal grid lines, tick labels and the y axis line with its (rotated) label. */
export function yAxis(scale: Scale, area: PlotArea, label?: string, format: (v: number) => string = formatSi): string {
  const right = area.left + area.width;
  let out = '';
  for (const t of scale.ticks) {
    const y = scale.map(t);
    out += el('line', { x1: area.left, y1: y, x2: right, y2: y, stroke: INK.grid });
    out += textEl(area.left - 6, y + 4, format(t), { 'text-anchor': 'end', 'font-size': TICK_FONT_SIZE, fill: INK.muted });
  }
  out += el('line', { x1: area.left, y1: area.top, x2: area.left, y2: area.top + area.height, stroke: INK.axis });
  if (label !== undefined) {
    const x = 16;
    const y = area.top + area.height / 2;
    out += textEl(x, y, label, { 'text-anchor': 'middle', transform: `rotate(-90 ${x} ${y})` });
  }
  return `<g class="y-axis">${out}</g>`;
}

/** Vertical grid lines, tick labels and the x axis line of a numeric x axis. */
export function xAxis(scale: Scale, area: PlotArea, label?: string, format: (v: number) => string = formatSi): string {
  const bottom = area.top + area.height;
  let out = '';
  for (const t of scale.ticks) {
    const x = scale.map(t);
    out += el('line', { x1: x, y1: area.top, x2: x, y2: bottom, stroke: INK.grid });
    out += textEl(x, bottom + 16, format(t), { 'text-anchor': 'middle', 'font-size': TICK_FONT_SIZE, fill: INK.muted });
  }
  out += el('line', { x1: area.left, y1: bottom, x2: area.left + area.width, y2: bottom, stroke: INK.axis });
  if (label !== undefined) {
    out += textEl(area.left + area.width / 2, bottom + 36, label, { 'text-anchor': 'middle' });
  }
  return `<g class="x-axis">${out}</g>`;
}

/** Height below the plot that xAxis uses. */
export function xAxisHeight(hasLabel: boolean): number {
  return hasLabel ? 46 : 26;
}

const MAX_CATEGORY_CHARS = 24;
const CATEGORY_FONT_SIZE = 11;
const ROTATION_DEG = 45;

/** How category labels are drawn: straight when they fit their band, rotated otherwise. */
export interface CategoryLabels {
  readonly labels: readonly string[];
  readonly rotate: boolean;
  /** Height the labels need below their top edge. */
  readonly height: number;
  /** How far rotated labels reach left of their anchor (the first one may need a wider margin). */
  readonly leftOverhang: number;
}

/** Estimated width of the widest (truncated) category label, unrotated. */
export function widestCategoryLabel(categories: readonly string[]): number {
  return Math.max(0, ...categories.map((c) => estimateTextWidth(truncateLabel(c, MAX_CATEGORY_CHARS), CATEGORY_FONT_SIZE)));
}

export function layoutCategoryLabels(categories: readonly string[], bandWidth: number): CategoryLabels {
  const labels = categories.map((c) => truncateLabel(c, MAX_CATEGORY_CHARS));
  const widest = widestCategoryLabel(categories);
  const rotate = widest > bandWidth - 4;
  if (!rotate) return { labels, rotate, height: 18, leftOverhang: 0 };
  const reach = widest * Math.sin((ROTATION_DEG * Math.PI) / 180);
  return { labels, rotate, height: Math.ceil(reach + 16), leftOverhang: Math.ceil(reach) };
}

/** Category labels centred under their bands, starting at `top`. */
export function categoryLabels(
  layout: CategoryLabels,
  categories: readonly string[],
  centers: readonly number[],
  top: number,
): string {
  let out = '';
  layout.labels.forEach((label, i) => {
    const x = centers[i];
    const attributes = layout.rotate
      ? { 'text-anchor': 'end', 'font-size': CATEGORY_FONT_SIZE, transform: `rotate(-${ROTATION_DEG} ${x} ${top + 8})` }
      : { 'text-anchor': 'middle', 'font-size': CATEGORY_FONT_SIZE };
    out += textEl(x, top + (layout.rotate ? 8 : 12), label, attributes, categories[i]);
  });
  return `<g class="categories">${out}</g>`;
}

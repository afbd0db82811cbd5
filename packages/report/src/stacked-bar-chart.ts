// Grouped, stacked bar chart: per category several bars side by side (groups, e.g. configurations),
// each bar a stack of segments (e.g. energy components).
import { layoutCategoryChart } from './category-layout.js';
import { formatSignificant } from './format.js';
import { INK, seriesColor } from './palette.js';
import { extent, type MaybeNumber, SkippedValues } from './plottable.js';
import { linearScale } from './scale.js';
import { el, emptyChart, svgDocument, textEl, tooltip } from './svg.js';

export interface StackSegment {
  readonly name: string;
  readonly color?: string;
}

export interface StackedBarChartData {
  readonly title: string;
  readonly categories: readonly string[];
  /** Bars inside each category, left to right. A single group draws one bar per category. */
  readonly groups: readonly string[];
  /** Stack components, bottom to top. */
  readonly segments: readonly StackSegment[];
  /** values[category][group][segment]; null/undefined entries are treated as absent. */
  readonly values: readonly (readonly (readonly MaybeNumber[] | null | undefined)[] | null | undefined)[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly valueFormat?: (v: number) => string;
  readonly plotHeight?: number;
}

/** Short tag drawn under each bar so groups can be told apart without colour. */
export function groupTag(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `G${index + 1}`;
}

/** The chart as an SVG string; never throws, renders a note when there is nothing to draw. */
export function stackedBarChartSvg(data: StackedBarChartData): string {
  const categories = data.categories ?? [];
  const groups = data.groups ?? [];
  const segments = data.segments ?? [];
  const skipped = new SkippedValues();
  const cells = categories.map((_, c) =>
    groups.map((_g, g) => segments.map((_s, s) => skipped.accept(data.values?.[c]?.[g]?.[s], { stacked: true }))),
  );
  const totals = cells.flatMap((row) => row.map((stack) => stack.reduce<number>((sum, v) => sum + (v ?? 0), 0)));
  const anyValue = cells.some((row) => row.some((stack) => stack.some((v) => v !== undefined)));
  const range = extent(totals);
  const notes = skipped.notes();
  if (categories.length === 0 || groups.length === 0 || segments.length === 0 || !anyValue || range === undefined) {
    return emptyChart(data.title, 'No data', notes);
  }
  const format = data.valueFormat ?? ((v: number) => formatSignificant(v, 4));
  const tagged = groups.length > 1;
  const colors = segments.map((s, i) => s.color ?? seriesColor(i));
  const frame = layoutCategoryChart({
    categories,
    barsPerCategory: groups.length,
    legendItems: segments.map((s, i) => ({ label: s.name, color: colors[i] })),
    legendLines: tagged ? [`Bars in each group, left to right: ${groups.map((g, i) => `${groupTag(i)} = ${g}`).join(', ')}`] : [],
    underBarHeight: tagged ? 12 : 0,
    plotHeight: data.plotHeight,
    xLabel: data.xLabel,
    yLabel: data.yLabel,
    notes,
    makeScale: (r0, r1) => linearScale(0, range.max, r0, r1, { includeZero: true }),
  });
  const { scale, area } = frame;
  const bottom = area.top + area.height;
  const showTags = tagged && frame.barWidth >= 8;
  let bars = '';
  cells.forEach((row, c) => {
    row.forEach((stack, g) => {
      const x = area.left + c * frame.bandWidth + frame.barOffset + g * frame.barWidth;
      // Bars touch inside a group; a hairline keeps neighbours apart.
      const width = Math.max(1, frame.barWidth - 1);
      let running = 0;
      let total = 0;
      stack.forEach((v, s) => {
        if (v === undefined) return;
        const y0 = scale.map(running);
        running += v;
        total += v;
        const y1 = scale.map(running);
        if (y0 - y1 <= 0) return;
        const hint = `${categories[c]} · ${groups[g]} · ${segments[s].name}: ${format(v)}`;
        bars += el('rect', { x, y: y1, width, height: y0 - y1, fill: colors[s] }, tooltip(hint));
      });
      if (stack.every((v) => v === undefined)) return;
      // A thin cap marks the top of the stack and carries the total as its tooltip.
      const capY = scale.map(total);
      bars += el(
        'line',
        { x1: x, y1: capY, x2: x + width, y2: capY, stroke: INK.axis, 'stroke-width': 0.6 },
        tooltip(`${categories[c]} · ${groups[g]} total: ${format(total)}`),
      );
      if (showTags) {
        bars += textEl(x + width / 2, bottom + 10, groupTag(g), { 'text-anchor': 'middle', 'font-size': 9, fill: INK.muted });
      }
    });
  });
  const description =
    `Stacked bar chart: ${categories.length} categories × ${groups.length} bars (${groups.join(', ')}), ` +
    `stacks of ${segments.map((s) => s.name).join(', ')}. ${notes.join(' ')}`;
  return svgDocument({
    width: frame.width,
    height: frame.height,
    title: data.title,
    description: description.trim(),
    body: frame.decorations + `<g class="bars">${bars}</g>`,
  });
}

// Grouped bar chart: one bar per series in each category (e.g. ADC conversions per layer, one bar
// per configuration).
import { layoutCategoryChart } from './category-layout.js';
import { formatSignificant } from './format.js';
import { seriesColor } from './palette.js';
import { extent, type MaybeNumber, SkippedValues } from './plottable.js';
import { linearScale, logScale } from './scale.js';
import { el, emptyChart, svgDocument, tooltip } from './svg.js';

export interface BarSeries {
  readonly name: string;
  /** One value per category, in category order; null/undefined means "no bar". */
  readonly values: readonly MaybeNumber[];
  readonly color?: string;
}

export interface BarChartData {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Logarithmic value axis; values ≤ 0 are then left out and noted. */
  readonly logY?: boolean;
  /** Formats values in tooltips (tick labels use SI prefixes). */
  readonly valueFormat?: (v: number) => string;
  readonly plotHeight?: number;
}

/** The chart as an SVG string; never throws, renders a note when there is nothing to draw. */
export function barChartSvg(data: BarChartData): string {
  const categories = data.categories ?? [];
  const series = data.series ?? [];
  const log = data.logY === true;
  const skipped = new SkippedValues();
  const values = series.map((s) => categories.map((_, i) => skipped.accept(s.values?.[i], { log })));
  const range = extent(values.flat().filter((v): v is number => v !== undefined));
  const notes = skipped.notes();
  if (categories.length === 0 || series.length === 0 || range === undefined) {
    return emptyChart(data.title, 'No data', notes);
  }
  const format = data.valueFormat ?? ((v: number) => formatSignificant(v, 4));
  const frame = layoutCategoryChart({
    categories,
    barsPerCategory: series.length,
    legendItems: series.map((s, j) => ({ label: s.name, color: s.color ?? seriesColor(j) })),
    plotHeight: data.plotHeight,
    xLabel: data.xLabel,
    yLabel: data.yLabel === undefined ? undefined : log ? `${data.yLabel} (log scale)` : data.yLabel,
    notes,
    makeScale: (r0, r1) =>
      log ? logScale(range.minPositive, range.max, r0, r1) : linearScale(range.min, range.max, r0, r1, { includeZero: true }),
  });
  const { scale, area } = frame;
  const baseline = log ? area.top + area.height : scale.map(0);
  let bars = '';
  series.forEach((s, j) => {
    const color = s.color ?? seriesColor(j);
    categories.forEach((category, i) => {
      const v = values[j][i];
      if (v === undefined) return;
      const x = area.left + i * frame.bandWidth + frame.barOffset + j * frame.barWidth;
      const y = scale.map(v);
      const top = Math.min(y, baseline);
      // A zero-height bar would be invisible; one pixel shows that the value exists.
      const height = Math.max(1, Math.abs(baseline - y));
      bars += el(
        'rect',
        { x, y: top, width: frame.barWidth, height, fill: color },
        tooltip(`${category} · ${s.name}: ${format(v)}`),
      );
    });
  });
  const description = `Bar chart of ${series.length} series over ${categories.length} categories${log ? ', log scale' : ''}. ${notes.join(' ')}`;
  return svgDocument({
    width: frame.width,
    height: frame.height,
    title: data.title,
    description: description.trim(),
    body: frame.decorations + `<g class="bars">${bars}</g>`,
  });
}

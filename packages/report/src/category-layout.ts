// Geometry shared by the bar charts: one band per category, a few bars per band. Many categories
// (a 60-layer network) make the chart wider instead of the bars thinner; the page scrolls it.
import {
  type CategoryLabels,
  categoryLabels,
  layoutCategoryLabels,
  type PlotArea,
  widestCategoryLabel,
  yAxis,
  yAxisMargin,
} from './axes.js';
import { type LegendItem, renderLegend } from './legend.js';
import { INK } from './palette.js';
import type { Scale } from './scale.js';
import { noteLines, noteLinesHeight, textEl } from './svg.js';

export interface CategoryChartInput {
  readonly categories: readonly string[];
  readonly barsPerCategory: number;
  readonly legendItems: readonly LegendItem[];
  /** Extra text lines under the legend (e.g. which bar is which configuration). */
  readonly legendLines?: readonly string[];
  /** Height reserved between the plot and the category labels (bar tags). */
  readonly underBarHeight?: number;
  readonly plotHeight?: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly notes: readonly string[];
  /** Builds the value scale for a pixel range (top and bottom of the plot). */
  readonly makeScale: (rangeStart: number, rangeEnd: number) => Scale;
  readonly tickFormat?: (v: number) => string;
}

export interface CategoryChartFrame {
  readonly width: number;
  readonly height: number;
  readonly area: PlotArea;
  readonly scale: Scale;
  readonly bandWidth: number;
  /** Width of one bar and the offset of the first bar inside its band. */
  readonly barWidth: number;
  readonly barOffset: number;
  /** Centre x of each category band. */
  readonly centers: readonly number[];
  /** Legend, axes, labels and notes: everything except the bars. */
  readonly decorations: string;
}

const TARGET_PLOT_WIDTH = 880;
const MIN_BAR_PX = 7;
const MAX_BAR_PX = 44;
const GAP_FRACTION = 0.28;
const TITLE_BLOCK = 34;
const RIGHT_MARGIN = 20;
const MIN_WIDTH = 480;
const MAX_LABEL_BAND = 160;

export function layoutCategoryChart(input: CategoryChartInput): CategoryChartFrame {
  const n = Math.max(1, input.categories.length);
  const bars = Math.max(1, input.barsPerCategory);
  const minBand = (bars * MIN_BAR_PX) / (1 - GAP_FRACTION);
  // A few categories may widen their bands so that their labels fit without rotation.
  const widestLabel = widestCategoryLabel(input.categories);
  const maxBand = Math.max((bars * MAX_BAR_PX) / (1 - GAP_FRACTION), Math.min(MAX_LABEL_BAND, widestLabel + 12));
  const bandWidth = Math.min(maxBand, Math.max(minBand, TARGET_PLOT_WIDTH / n));
  const labels: CategoryLabels = layoutCategoryLabels(input.categories, bandWidth);

  // Tick values depend only on the data domain, so a probe scale gives the label widths.
  const probe = input.makeScale(0, 1);
  const left = Math.max(
    56,
    yAxisMargin(probe, input.yLabel !== undefined, input.tickFormat),
    labels.leftOverhang - bandWidth / 2 + 8,
  );
  const plotWidth = n * bandWidth;
  const width = Math.ceil(Math.max(MIN_WIDTH, left + plotWidth + RIGHT_MARGIN));

  const legend = renderLegend(input.legendItems, 12, TITLE_BLOCK, width - 24);
  const legendLines = input.legendLines ?? [];
  const linesTop = TITLE_BLOCK + legend.height + (legendLines.length > 0 ? 12 : 0);
  const extra = legendLines.map((line, i) => textEl(12, linesTop + i * 15, line, { 'font-size': 11, fill: INK.muted })).join('');
  const top = linesTop + noteLinesHeight(legendLines.length) + 8;

  const plotHeight = input.plotHeight ?? 300;
  const area: PlotArea = { left, top, width: plotWidth, height: plotHeight };
  const scale = input.makeScale(top + plotHeight, top);
  const centers = input.categories.map((_, i) => left + (i + 0.5) * bandWidth);

  const labelsTop = top + plotHeight + 2 + (input.underBarHeight ?? 0);
  let y = labelsTop + labels.height;
  let decorations = legend.svg + extra + yAxis(scale, area, input.yLabel, input.tickFormat);
  decorations += categoryLabels(labels, input.categories, centers, labelsTop);
  if (input.xLabel !== undefined) {
    y += 14;
    decorations += textEl(left + plotWidth / 2, y, input.xLabel, { 'text-anchor': 'middle' });
  }
  if (input.notes.length > 0) {
    y += 20;
    decorations += noteLines(input.notes, 12, y);
    y += noteLinesHeight(input.notes.length) - 15;
  }
  const height = Math.ceil(y + 14);

  const barWidth = (bandWidth * (1 - GAP_FRACTION)) / bars;
  return { width, height, area, scale, bandWidth, barWidth, barOffset: (bandWidth * GAP_FRACTION) / 2, centers, decorations };
}

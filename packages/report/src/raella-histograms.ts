// RAELLA report, column-sum section: histograms of a few representative layers (ISAAC-like vs
// Center+Offset) and a statistics table of every layer's distributions.
import { formatSignificant } from './format.js';
import { histogramChartSvg } from './histogram-chart.js';
import { adcBitsFor, histogramStats } from './histogram.js';
import { figure, paragraph } from './html-page.js';
import type { ColumnSumHistogram, RaellaReportData } from './raella-report-types.js';
import { renderTable, type TableRow } from './table.js';

/** The requested layers that have histograms, or else the first, middle and last one. */
export function representativeHistograms(data: RaellaReportData): ColumnSumHistogram[] {
  const all = Array.isArray(data.columnSumHistograms) ? data.columnSumHistograms : [];
  if (Array.isArray(data.representativeLayers) && data.representativeLayers.length > 0) {
    return data.representativeLayers
      .map((name) => all.find((h) => h.layer === name))
      .filter((h): h is ColumnSumHistogram => h !== undefined);
  }
  const picks = [...new Set([0, Math.floor((all.length - 1) / 2), all.length - 1])].filter((i) => i >= 0);
  return picks.map((i) => all[i]);
}

function statsTable(histograms: readonly ColumnSumHistogram[]): string {
  const rows: TableRow[] = [];
  for (const h of histograms) {
    (h.distributions ?? []).forEach((d, i) => {
      const s = histogramStats(d);
      const signed = d.signed ?? (s !== undefined && s.min < 0);
      const cells = [
        h.layer,
        d.name,
        s?.count,
        s?.min,
        s?.max,
        s?.mean,
        s?.std,
        s?.p0_1,
        s?.p99_9,
        s === undefined ? undefined : adcBitsFor(s.min, s.max, signed),
        s === undefined ? undefined : adcBitsFor(s.p0_1, s.p99_9, signed),
      ];
      rows.push({ cells, className: i === 0 && rows.length > 0 ? 'group-start' : undefined });
    });
  }
  const stat = (v: number): string => formatSignificant(v, 4);
  return renderTable({
    caption: 'Column-sum distributions of all layers',
    columns: [
      { header: 'Layer' },
      { header: 'Encoding' },
      { header: 'Samples' },
      { header: 'min', format: stat },
      { header: 'max', format: stat },
      { header: 'mean', format: stat },
      { header: 'std', format: stat },
      { header: 'p0.1', format: stat },
      { header: 'p99.9', format: stat },
      { header: 'ADC bits (full)', title: 'Signed: smallest b with min ≥ −2^(b−1), max ≤ 2^(b−1)−1; unsigned: ⌈log2(max+1)⌉' },
      { header: 'ADC bits (p0.1–p99.9)', title: 'The same formula applied to [p0.1, p99.9]' },
    ],
    rows,
    emptyMessage: 'No column-sum histograms.',
    collapseAbove: 60,
  });
}

export function columnSumSection(data: RaellaReportData): string {
  const all = Array.isArray(data.columnSumHistograms) ? data.columnSumHistograms : [];
  if (all.length === 0) return paragraph('No column-sum histograms in the data.');
  const charts = representativeHistograms(data)
    .map((h) =>
      figure(
        histogramChartSvg({
          title: `Column sums: ${h.layer}`,
          series: h.distributions ?? [],
          markers: h.markers,
          xLabel: 'Column sum (ADC input, LSB units)',
          yLabel: 'Count',
          logY: true,
        }),
        'Counts on a log scale so the tails, which decide saturation, stay visible.',
      ),
    )
    .join('');
  return charts + statsTable(all);
}

// @pimc/report: self-contained HTML reports with inline SVG charts. No dependencies, no scripts,
// deterministic output (the same data gives the same bytes).
export {
  escapeXml,
  formatEnergyPj,
  formatFixed,
  formatInteger,
  formatPercent,
  formatRatio,
  formatSi,
  formatSignificant,
  formatTimeNs,
  pickEnergyUnit,
  type EnergyUnit,
} from './format.js';
export { SERIES_COLORS, seriesColor } from './palette.js';
export { standaloneSvg } from './svg.js';
export { type BarChartData, type BarSeries, barChartSvg } from './bar-chart.js';
export { type StackedBarChartData, type StackSegment, groupTag, stackedBarChartSvg } from './stacked-bar-chart.js';
export { type Histogram, type DistributionStats, adcBitsFor, histogramOf, histogramStats } from './histogram.js';
export { type HistogramChartData, type HistogramMarker, type HistogramSeries, histogramChartSvg } from './histogram-chart.js';
export { type TradeOffPoint, paretoFront, paretoIndices } from './pareto.js';
export { type ScatterChartData, type ScatterPoint, type ScatterReference, scatterChartSvg } from './scatter-chart.js';
export { type TableCell, type TableColumn, type TableData, type TableRow, renderTable } from './table.js';
export { type PageData, type PageSection, bulletList, figure, paragraph, renderHtmlPage } from './html-page.js';
export {
  ENERGY_COMPONENTS,
  type AdcBitsNeeded,
  type ColumnSumDistribution,
  type ColumnSumHistogram,
  type ColumnSumStats,
  type EnergyBreakdownPj,
  type EnergyComponent,
  type RaellaConfiguration,
  type RaellaLayerRow,
  type RaellaReportData,
  type RaellaTotals,
} from './raella-report-types.js';
export { renderRaellaReport } from './raella-report.js';
export { type SweepPoint, type SweepReference, type SweepReportData } from './sweep-report-types.js';
export { renderSweepReport, sweepChartSvg, sweepPointLabel } from './sweep-report.js';

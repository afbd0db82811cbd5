// The RAPIDNN sweep report: a table of the (kW, kU, camBits, T) grid and the accuracy-vs-energy
// Pareto chart, as an HTML page or as a standalone SVG file.
import { formatEnergyPj, formatFixed, formatInteger, formatSignificant, formatTimeNs } from './format.js';
import { bulletList, figure, paragraph, renderHtmlPage } from './html-page.js';
import { paretoFront } from './pareto.js';
import { extent } from './plottable.js';
import { scatterChartSvg } from './scatter-chart.js';
import type { SweepPoint, SweepReportData, SweepReference } from './sweep-report-types.js';
import { standaloneSvg } from './svg.js';
import { renderTable, type TableCell, type TableRow } from './table.js';

type QualityMetric = 'accuracy' | 'top1Agreement';

const METRIC_LABELS: Readonly<Record<QualityMetric, string>> = {
  accuracy: 'Top-1 accuracy',
  top1Agreement: 'Top-1 agreement',
};

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Accuracy when any point has it, else agreement with the reference: one metric for the whole chart. */
function qualityMetric(points: readonly SweepPoint[]): QualityMetric {
  return points.some((p) => finite(p.accuracy)) ? 'accuracy' : 'top1Agreement';
}

function pointsOf(data: SweepReportData): readonly SweepPoint[] {
  return Array.isArray(data.points) ? data.points : [];
}

function referencesOf(data: SweepReportData): readonly SweepReference[] {
  return Array.isArray(data.references) ? data.references : [];
}

/** "kW/kU/camBits/T", with "?" for a missing knob. */
export function sweepPointLabel(p: SweepPoint): string {
  if (typeof p.label === 'string') return p.label;
  const knob = (v: number | undefined): string => (finite(v) ? String(v) : '?');
  return `${knob(p.kW)}/${knob(p.kU)}/${knob(p.camBits)}/${knob(p.T)}`;
}

function accuracyLoss(p: SweepPoint, floatAccuracy: number | undefined): number | undefined {
  if (typeof p.accuracyLoss === 'number') return p.accuracyLoss;
  return finite(floatAccuracy) && finite(p.accuracy) ? floatAccuracy - p.accuracy : undefined;
}

/** Percent with as many decimals as the tick spacing of a narrow accuracy range needs. */
function percentTick(v: number): string {
  return `${formatSignificant(v * 100, 4)}%`;
}

function chartSvg(data: SweepReportData): string {
  const points = pointsOf(data);
  const metric = qualityMetric(points);
  const energies = [...points, ...referencesOf(data)].map((p) => p.energyPjPerInference).filter(finite);
  const range = extent(energies);
  const logX = range !== undefined && range.minPositive > 0 && range.max / range.minPositive > 10;
  return scatterChartSvg({
    title: `RAPIDNN sweep: ${METRIC_LABELS[metric].toLowerCase()} vs energy (${data.model})`,
    points: points.map((p) => ({ x: p.energyPjPerInference ?? NaN, y: p[metric] ?? NaN, label: sweepPointLabel(p) })),
    references: referencesOf(data).map((r) => ({ x: r.energyPjPerInference ?? NaN, y: r[metric] ?? NaN, label: r.name })),
    xLabel: 'Energy per inference',
    yLabel: METRIC_LABELS[metric],
    logX,
    xFormat: (v) => formatEnergyPj(v),
    yFormat: percentTick,
  });
}

/** The accuracy-vs-energy chart as a standalone .svg file (XML declaration and namespace included). */
export function sweepChartSvg(data: SweepReportData): string {
  return standaloneSvg(chartSvg(data));
}

function summary(data: SweepReportData, metric: QualityMetric, front: readonly boolean[]): string[] {
  const points = pointsOf(data);
  const usable = points.filter((p) => finite(p.energyPjPerInference) && finite(p[metric]));
  const out = [
    `${points.length} grid point(s); ${usable.length} with both energy and ${METRIC_LABELS[metric].toLowerCase()}; ${front.filter(Boolean).length} Pareto-optimal.`,
  ];
  if (usable.length === 0) return out;
  const best = usable.reduce((a, b) => ((b[metric] as number) > (a[metric] as number) ? b : a));
  const cheapest = usable.reduce((a, b) => ((b.energyPjPerInference as number) < (a.energyPjPerInference as number) ? b : a));
  const describe = (p: SweepPoint): string =>
    `${sweepPointLabel(p)} (${formatFixed((p[metric] as number) * 100, 2)}%, ${formatEnergyPj(p.energyPjPerInference as number)})`;
  out.push(`Highest ${METRIC_LABELS[metric].toLowerCase()}: ${describe(best)}.`);
  out.push(`Lowest energy: ${describe(cheapest)}.`);
  if (finite(data.floatAccuracy)) out.push(`Float model accuracy: ${formatFixed(data.floatAccuracy * 100, 2)}%.`);
  return out;
}

function gridTable(data: SweepReportData, front: readonly boolean[], onlyFront: boolean): string {
  const points = pointsOf(data);
  const rows: TableRow[] = [];
  const order = points.map((p, i) => ({ p, i })).filter(({ i }) => !onlyFront || front[i]);
  if (onlyFront) order.sort((a, b) => (a.p.energyPjPerInference ?? 0) - (b.p.energyPjPerInference ?? 0) || a.i - b.i);
  for (const { p, i } of order) {
    const cells: TableCell[] = [
      i + 1,
      p.kW,
      p.kU,
      p.camBits,
      p.T,
      p.accuracy,
      p.top1Agreement,
      accuracyLoss(p, data.floatAccuracy),
      p.energyPjPerInference,
      p.latencyNs,
      p.bytesPerNeuron,
      front[i] ? 'yes' : '',
    ];
    rows.push({ cells, className: front[i] && !onlyFront ? 'pareto' : undefined });
  }
  const percent = (v: number): string => `${formatFixed(v * 100, 2)}%`;
  return renderTable({
    caption: onlyFront ? 'Pareto-optimal settings, by increasing energy' : 'All grid points',
    hideEmptyColumns: true,
    columns: [
      { header: '#' },
      { header: 'kW', title: 'Weight clusters' },
      { header: 'kU', title: 'Input clusters' },
      { header: 'camBits', title: 'CAM key precision (bits)' },
      { header: 'T', title: 'Activation-table size' },
      { header: 'Accuracy', format: percent },
      { header: 'Top-1 agreement', format: percent },
      {
        header: 'Loss vs float',
        format: (v) => `${formatFixed(v * 100, 2)} pp`,
        title: 'Float accuracy minus this accuracy, in percentage points',
      },
      { header: 'Energy / inference', format: (v) => formatEnergyPj(v) },
      { header: 'Latency', format: (v) => formatTimeNs(v) },
      { header: 'Bytes / neuron', format: formatInteger },
      { header: 'Pareto', align: 'center' },
    ],
    rows,
    emptyMessage: onlyFront ? 'No Pareto-optimal points (no point has both energy and accuracy).' : 'No grid points.',
    collapseAbove: onlyFront ? undefined : 120,
  });
}

function referencesTable(data: SweepReportData): string {
  const refs = referencesOf(data);
  if (refs.length === 0) return '';
  const percent = (v: number): string => `${formatFixed(v * 100, 2)}%`;
  return renderTable({
    caption: 'Reference points (not part of the sweep)',
    hideEmptyColumns: true,
    columns: [
      { header: 'Name' },
      { header: 'Accuracy', format: percent },
      { header: 'Top-1 agreement', format: percent },
      { header: 'Energy / inference', format: (v) => formatEnergyPj(v) },
      { header: 'Latency', format: (v) => formatTimeNs(v) },
    ],
    rows: refs.map((r) => [r.name, r.accuracy, r.top1Agreement, r.energyPjPerInference, r.latencyNs]),
  });
}

/** Renders the sweep report page; never throws on missing, empty or non-finite data. */
export function renderSweepReport(data: SweepReportData): string {
  const points = pointsOf(data);
  const metric = qualityMetric(points);
  // Same inputs as the chart, so the table's "Pareto" column and the highlighted points agree.
  const front = paretoFront(points.map((p) => ({ x: p.energyPjPerInference ?? NaN, y: p[metric] ?? NaN })));
  const model = typeof data.model === 'string' && data.model !== '' ? data.model : 'unnamed model';
  return renderHtmlPage({
    title: data.title ?? `RAPIDNN sweep: ${model}`,
    subtitle: 'Tunable approximation: weight clusters kW, input clusters kU, CAM key precision camBits, activation-table size T.',
    notes: Array.isArray(data.notes) ? data.notes.map(String) : [],
    sections: [
      {
        id: 'pareto',
        title: 'Accuracy vs energy',
        body:
          bulletList(summary(data, metric, front), 'findings') +
          figure(
            chartSvg(data),
            'Point labels read kW/kU/camBits/T. Highlighted points are Pareto-optimal: no other point has lower or equal energy and higher or equal accuracy.',
          ) +
          gridTable(data, front, true) +
          referencesTable(data),
      },
      {
        id: 'grid',
        title: 'Grid points',
        body: paragraph('Every setting of the sweep in input order.') + gridTable(data, front, false),
      },
    ],
  });
}

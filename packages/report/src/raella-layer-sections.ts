// RAELLA report, per-layer sections: energy breakdown, ADC conversions, chosen slicings and the
// per-layer metrics of algorithms.md §3.6.
import { barChartSvg } from './bar-chart.js';
import { formatFixed, formatInteger, formatPercent, formatSignificant, formatSi, pickEnergyUnit } from './format.js';
import { figure, paragraph } from './html-page.js';
import { extent } from './plottable.js';
import { ENERGY_SEGMENTS, energyTotal, type RaellaModel, slicingText } from './raella-model.js';
import { ENERGY_COMPONENTS } from './raella-report-types.js';
import { stackedBarChartSvg } from './stacked-bar-chart.js';
import { renderTable, type TableCell, type TableRow } from './table.js';

/** Span (max / min positive) above which a value axis switches to a log scale. */
const LOG_SCALE_SPAN = 1000;

export function layerEnergySection(model: RaellaModel): string {
  const { configurations: configs, layers } = model;
  const totals = layers.flatMap((layer) => configs.map((_, c) => energyTotal(model.row(c, layer)?.energyPj) ?? 0));
  const unit = pickEnergyUnit(extent(totals)?.max ?? 0);
  const chart = stackedBarChartSvg({
    title: 'Energy per layer by component',
    categories: layers,
    groups: configs.map((c) => c.name),
    segments: ENERGY_SEGMENTS,
    values: layers.map((layer) =>
      configs.map((_, c) => {
        const energy = model.row(c, layer)?.energyPj;
        return energy === undefined
          ? undefined
          : ENERGY_COMPONENTS.map((k) => (typeof energy[k] === 'number' ? energy[k] / unit.factor : undefined));
      }),
    ),
    xLabel: 'Layer',
    yLabel: `Energy (${unit.unit})`,
    valueFormat: (v) => `${formatSignificant(v, 4)} ${unit.unit}`,
  });
  return figure(
    chart,
    'One bar per configuration in each layer (letters under the bars, as in the legend); hover a segment for its value.',
  );
}

export function adcConversionsSection(model: RaellaModel): string {
  const { configurations: configs, layers } = model;
  const values = configs.map((_, c) => layers.map((layer) => model.row(c, layer)?.adcConversions));
  const range = extent(values.flat().filter((v): v is number => typeof v === 'number'));
  const log = range !== undefined && range.minPositive > 0 && range.max / range.minPositive > LOG_SCALE_SPAN;
  const chart = barChartSvg({
    title: 'ADC conversions per layer',
    categories: layers,
    series: configs.map((config, c) => ({ name: config.name, values: values[c] })),
    xLabel: 'Layer',
    yLabel: 'ADC conversions',
    logY: log,
    valueFormat: formatInteger,
  });
  return figure(chart, log ? `Log scale: the values span more than ${LOG_SCALE_SPAN}×.` : undefined);
}

export function slicingSection(model: RaellaModel): string {
  const { configurations: configs, layers } = model;
  const text = (c: number, layer: string): string | undefined => {
    const row = model.row(c, layer);
    const s = slicingText(row?.weightSlicing);
    return s === undefined ? undefined : row?.saturating ? `${s} saturating` : s;
  };
  const usage = configs
    .map((config, c) => {
      const counts = new Map<string, number>();
      for (const layer of layers) {
        const s = slicingText(model.row(c, layer)?.weightSlicing);
        if (s !== undefined) counts.set(s, (counts.get(s) ?? 0) + 1);
      }
      const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return sorted.length === 0 ? undefined : `${config.name}: ${sorted.map(([s, n]) => `${s} × ${n}`).join(', ')}`;
    })
    .filter((line): line is string => line !== undefined);
  const table = renderTable({
    caption: 'Weight slicing per layer (bits per slice, MSB first)',
    hideEmptyColumns: true,
    columns: [{ header: 'Layer' }, ...configs.map((c) => ({ header: c.name }))],
    rows: layers.map((layer) => [layer, ...configs.map((_, c) => text(c, layer))]),
    emptyMessage: 'No layers.',
    collapseAbove: 80,
  });
  return (
    (usage.length === 0
      ? paragraph('No configuration reports a weight slicing.')
      : paragraph(`Slicings used: ${usage.join('; ')}.`)) + table
  );
}

export function layerMetricsSection(model: RaellaModel): string {
  const { configurations: configs, layers } = model;
  const rows: TableRow[] = [];
  const energies: number[] = [];
  for (const layer of layers) {
    configs.forEach((config, c) => {
      const r = model.row(c, layer);
      if (r === undefined) return;
      const energy = energyTotal(r.energyPj);
      if (energy !== undefined) energies.push(energy);
      const cells: TableCell[] = [
        layer,
        config.name,
        slicingText(r.weightSlicing),
        r.adcBitsNeeded?.full,
        r.adcBitsNeeded?.p99_9,
        r.saturationRate,
        r.adcConversionsPerMac,
        r.speculationSuccessRate,
        r.adcShare,
        r.outputError,
        r.crossbarCycles,
        r.adcConversions,
        r.macs,
        energy,
      ];
      rows.push({ cells, className: rows.length > 0 && rows[rows.length - 1].cells[0] !== layer ? 'group-start' : undefined });
    });
  }
  const energyUnit = pickEnergyUnit(extent(energies)?.max ?? 0);
  return renderTable({
    caption: 'Per-layer metrics',
    hideEmptyColumns: true,
    columns: [
      { header: 'Layer' },
      { header: 'Configuration' },
      { header: 'Slicing' },
      { header: 'ADC bits (full)', title: 'ADC resolution covering every column sum' },
      { header: 'ADC bits (99.9%)', title: 'ADC resolution covering 99.9% of column sums' },
      { header: 'Saturation', format: (v) => formatPercent(v, 3), title: 'Fraction of conversions that saturate' },
      { header: 'ADC conv./MAC', format: (v) => formatSignificant(v, 3) },
      { header: 'Speculation success', format: (v) => formatPercent(v, 1) },
      {
        header: 'adcShare',
        format: (v) => formatFixed(v, 3),
        title: 'ADC conversions relative to non-speculative 1-bit input slicing',
      },
      {
        header: 'ε',
        format: (v) => formatSignificant(v, 3),
        title: 'RMS(y_PIM − y_exact) / RMS(y_exact) against the integer reference',
      },
      { header: 'Crossbar cycles', format: formatSi },
      { header: 'ADC conversions', format: formatSi },
      { header: 'MACs', format: formatSi },
      { header: `Energy (${energyUnit.unit})`, format: (v) => formatSignificant(v / energyUnit.factor, 4) },
    ],
    rows,
    emptyMessage: 'No per-layer rows.',
    collapseAbove: 400,
  });
}

export function sliceStatsTable(model: RaellaModel): string {
  const { configurations: configs, layers } = model;
  const rows: TableRow[] = [];
  for (const layer of layers) {
    configs.forEach((config, c) => {
      const stats = model.row(c, layer)?.columnSumStats;
      if (!Array.isArray(stats)) return;
      stats.forEach((s, i) => {
        const first = rows.length > 0 && rows[rows.length - 1].cells[0] !== layer;
        rows.push({
          cells: [layer, config.name, s.slice ?? i, s.min, s.max, s.mean, s.std, s.p0_1, s.p99_9],
          className: first ? 'group-start' : undefined,
        });
      });
    });
  }
  if (rows.length === 0) return '';
  const stat = (v: number): string => formatSignificant(v, 4);
  return renderTable({
    caption: 'Column-sum statistics per weight slice',
    hideEmptyColumns: true,
    columns: [
      { header: 'Layer' },
      { header: 'Configuration' },
      { header: 'Slice', align: 'right', title: '0 = most significant slice' },
      { header: 'min', format: stat },
      { header: 'max', format: stat },
      { header: 'mean', format: stat },
      { header: 'std', format: stat },
      { header: 'p0.1', format: stat },
      { header: 'p99.9', format: stat },
    ],
    rows,
    collapseAbove: 40,
  });
}

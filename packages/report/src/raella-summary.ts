// RAELLA report, summary section: whole-model totals, ratios against the first configuration and
// a stacked bar of whole-model energy per configuration.
import { formatPercent, formatRatio, formatSignificant, formatTimeNs, pickEnergyUnit } from './format.js';
import { bulletList, figure, paragraph } from './html-page.js';
import {
  configurationEnergy,
  ENERGY_COMPONENT_LABELS,
  ENERGY_SEGMENTS,
  energyTotal,
  type RaellaModel,
  ratio,
} from './raella-model.js';
import { ENERGY_COMPONENTS } from './raella-report-types.js';
import { stackedBarChartSvg } from './stacked-bar-chart.js';
import { renderTable, type TableCell } from './table.js';

function finiteOrUndefined(v: number | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Plain-language comparisons with the baseline, only for numbers that exist. */
function findings(model: RaellaModel, totals: readonly (number | undefined)[]): string[] {
  const base = model.configurations[0];
  if (base === undefined) return [];
  const out: string[] = [];
  model.configurations.forEach((config, i) => {
    if (i === 0) return;
    const parts: string[] = [];
    const e = ratio(totals[i], totals[0]);
    if (e !== undefined) {
      parts.push(`energy ${formatRatio(e)} of ${base.name}${e > 0 ? ` (${formatSignificant(1 / e, 3)}× the efficiency)` : ''}`);
    }
    const t = ratio(config.totals?.latencyNs, base.totals?.latencyNs);
    if (t !== undefined) parts.push(`latency ${formatRatio(t)}`);
    const agreement = finiteOrUndefined(config.totals?.top1Agreement);
    if (agreement !== undefined) parts.push(`top-1 agreement ${formatPercent(agreement)}`);
    const accuracy = finiteOrUndefined(config.totals?.top1Accuracy);
    if (accuracy !== undefined) parts.push(`top-1 accuracy ${formatPercent(accuracy)}`);
    if (parts.length > 0) out.push(`${config.name}: ${parts.join('; ')}.`);
  });
  return out;
}

export function raellaSummarySection(model: RaellaModel): string {
  const configs = model.configurations;
  if (configs.length === 0) return paragraph('No configurations in the data.');
  const energies = configs.map(configurationEnergy);
  const totals = energies.map((e) => energyTotal(e.energy));
  const unit = pickEnergyUnit(Math.max(0, ...totals.map((t) => finiteOrUndefined(t) ?? 0)));
  const inUnit = (pj: number | undefined): number | undefined => (pj === undefined ? undefined : pj / unit.factor);
  const energyFormat = (v: number): string => formatSignificant(v, 4);
  const base = configs[0];

  const rows: TableCell[][] = configs.map((config, i) => [
    config.name,
    ...ENERGY_COMPONENTS.map((c) => inUnit(energies[i].energy?.[c])),
    inUnit(totals[i]),
    ratio(totals[i], totals[0]),
    config.totals?.latencyNs === undefined ? undefined : formatTimeNs(config.totals.latencyNs),
    ratio(config.totals?.latencyNs, base.totals?.latencyNs),
    config.totals?.adcConversions,
    config.totals?.top1Accuracy,
    config.totals?.top1Agreement,
  ]);
  const ratioFormat = (v: number): string => formatRatio(v);
  const table = renderTable({
    caption: 'Whole-model totals',
    hideEmptyColumns: true,
    columns: [
      { header: 'Configuration' },
      ...ENERGY_COMPONENTS.map((c) => ({ header: `${ENERGY_COMPONENT_LABELS[c]} (${unit.unit})`, format: energyFormat })),
      { header: `Total energy (${unit.unit})`, format: energyFormat },
      { header: `Energy vs ${base.name}`, format: ratioFormat, title: `Total energy divided by that of ${base.name}` },
      { header: 'Latency', align: 'right' },
      { header: `Latency vs ${base.name}`, format: ratioFormat },
      { header: 'ADC conversions' },
      { header: 'Top-1 accuracy', format: (v) => formatPercent(v) },
      {
        header: 'Top-1 agreement',
        format: (v) => formatPercent(v),
        title: 'Top-1 agreement with the 8-bit integer reference model',
      },
    ],
    rows,
  });

  const chart = stackedBarChartSvg({
    title: 'Whole-model energy per configuration',
    categories: configs.map((c) => c.name),
    groups: ['energy'],
    segments: ENERGY_SEGMENTS,
    values: configs.map((_, i) => [ENERGY_COMPONENTS.map((c) => inUnit(energies[i].energy?.[c]))]),
    yLabel: `Energy (${unit.unit})`,
    valueFormat: (v) => `${formatSignificant(v, 4)} ${unit.unit}`,
    plotHeight: 260,
  });
  const summed = configs.filter((_, i) => energies[i].summedFromLayers).map((c) => c.name);
  const summedNote =
    summed.length === 0
      ? ''
      : paragraph(`Energy of ${summed.join(', ')} is the sum of the per-layer rows (no whole-model totals were given).`);
  const list = findings(model, totals);
  return (
    (list.length === 0 ? '' : bulletList(list, 'findings')) +
    table +
    summedNote +
    figure(chart, `Energy by component; ratios in the table refer to the first configuration, ${base.name}.`)
  );
}

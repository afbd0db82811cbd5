// The RAELLA evaluation report: one self-contained HTML page comparing configurations
// (isaac, raella-no-spec-2b, raella-no-spec, raella, ...) on one model.
import { renderHtmlPage, type PageSection } from './html-page.js';
import { columnSumSection } from './raella-histograms.js';
import {
  adcConversionsSection,
  layerEnergySection,
  layerMetricsSection,
  slicingSection,
  sliceStatsTable,
} from './raella-layer-sections.js';
import { buildRaellaModel } from './raella-model.js';
import type { RaellaReportData } from './raella-report-types.js';
import { raellaSummarySection } from './raella-summary.js';

/** Renders the report; never throws on missing, empty or non-finite data (it says so instead). */
export function renderRaellaReport(data: RaellaReportData): string {
  const model = buildRaellaModel(data);
  const modelName = typeof data.model === 'string' && data.model !== '' ? data.model : 'unnamed model';
  const configNames = model.configurations.map((c) => c.name).join(', ');
  const sections: PageSection[] = [
    { id: 'summary', title: 'Summary', body: raellaSummarySection(model) },
    { id: 'energy-per-layer', title: 'Energy per layer', body: layerEnergySection(model) },
    { id: 'adc-conversions', title: 'ADC conversions per layer', body: adcConversionsSection(model) },
    { id: 'slicings', title: 'Chosen weight slicings', body: slicingSection(model) },
    { id: 'column-sums', title: 'Column-sum distributions', body: columnSumSection(data) + sliceStatsTable(model) },
    { id: 'layer-metrics', title: 'Per-layer metrics', body: layerMetricsSection(model) },
  ];
  return renderHtmlPage({
    title: data.title ?? `RAELLA report: ${modelName}`,
    subtitle: `${model.configurations.length} configuration(s)${configNames === '' ? '' : ` (${configNames})`}, ${model.layers.length} layer(s). Ratios refer to the first configuration.`,
    notes: Array.isArray(data.notes) ? data.notes.map(String) : [],
    sections,
  });
}

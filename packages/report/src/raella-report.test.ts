import { describe, expect, it } from 'vitest';
import { formatRatio } from './format.js';
import { markupProblems } from './markup-check.testing.js';
import { renderRaellaReport } from './raella-report.js';
import { ENERGY_COMPONENTS, type RaellaReportData } from './raella-report-types.js';
import { sampleRaellaReport } from './sample-data.testing.js';

const NASTY = `<script>alert("x")</script> & 'co'`;

function expectSelfContainedPage(html: string): void {
  expect(markupProblems(html)).toEqual([]);
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  // Nothing fetched, nothing executed.
  expect(html).not.toMatch(/http|<script|<link|<img|@import|url\(|src=/i);
}

function totalEnergy(data: RaellaReportData, config: number): number {
  let sum = 0;
  for (const row of data.configurations[config].layers ?? []) {
    for (const c of ENERGY_COMPONENTS) sum += row.energyPj?.[c] ?? 0;
  }
  return sum;
}

describe('renderRaellaReport', () => {
  const data = sampleRaellaReport(12);
  const html = renderRaellaReport(data);

  it('is a well-formed, self-contained page', () => {
    expectSelfContainedPage(html);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(5);
  });

  it('is deterministic, also for a JSON round-tripped copy of the data', () => {
    expect(renderRaellaReport(sampleRaellaReport(12))).toBe(html);
    expect(renderRaellaReport(JSON.parse(JSON.stringify(data)) as RaellaReportData)).toBe(html);
  });

  it('has every section, with the notes above them', () => {
    const ids = ['summary', 'energy-per-layer', 'adc-conversions', 'slicings', 'column-sums', 'layer-metrics'];
    for (const id of ids) expect(html).toContain(`<section id="${id}">`);
    const notesAt = html.indexOf(data.notes?.[0] ?? '');
    expect(notesAt).toBeGreaterThan(0);
    expect(notesAt).toBeLessThan(html.indexOf('<section id="summary">'));
  });

  it('reports energy ratios against the first configuration', () => {
    const base = totalEnergy(data, 0);
    for (let c = 1; c < data.configurations.length; c++) {
      expect(html).toContain(formatRatio(totalEnergy(data, c) / base));
    }
  });

  it('shows a slicing column only for configurations that report one', () => {
    const slicingTable = /Weight slicing per layer[\s\S]*?<\/thead>/.exec(html)?.[0] ?? '';
    expect(slicingTable).not.toContain('>isaac<');
    expect(slicingTable).toContain('>raella<');
    expect(html).toContain('[4, 2, 2]');
  });

  it('escapes model, configuration and layer names', () => {
    const nasty = sampleRaellaReport(3);
    const page = renderRaellaReport({
      ...nasty,
      model: NASTY,
      notes: [NASTY],
      configurations: nasty.configurations.map((c, i) => ({
        ...c,
        name: i === 1 ? NASTY : c.name,
        layers: c.layers?.map((r, j) => (j === 0 ? { ...r, layer: NASTY } : r)),
      })),
      columnSumHistograms: nasty.columnSumHistograms?.map((h, j) => (j === 0 ? { ...h, layer: NASTY } : h)),
    });
    expectSelfContainedPage(page);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
  });

  it('renders empty data without throwing', () => {
    for (const empty of [
      { model: '', configurations: [] },
      { model: 'm', configurations: [{ name: 'isaac' }] },
      { model: 'm', configurations: [{ name: 'isaac', layers: [] }], columnSumHistograms: [] },
      { model: 'm', configurations: [{ name: 'isaac', layers: [{ layer: 'conv1' }] }] },
    ] as RaellaReportData[]) {
      const page = renderRaellaReport(empty);
      expectSelfContainedPage(page);
      expect(page).toMatch(/No data|No configurations/);
    }
  });

  it('tolerates data whose arrays are missing altogether (e.g. partial JSON)', () => {
    const page = renderRaellaReport({ model: 'm' } as unknown as RaellaReportData);
    expectSelfContainedPage(page);
    expect(page).toContain('No configurations in the data.');
  });

  it('flags NaN and Infinity instead of plotting them', () => {
    const bad = sampleRaellaReport(4);
    const layers = bad.configurations[1].layers ?? [];
    const page = renderRaellaReport({
      ...bad,
      configurations: bad.configurations.map((c, i) =>
        i === 1
          ? {
              ...c,
              layers: [{ ...layers[0], energyPj: { adc: NaN, crossbar: Infinity }, adcConversions: NaN }, ...layers.slice(1)],
            }
          : c,
      ),
    });
    expectSelfContainedPage(page);
    expect(page).toContain('class="num nonfinite">NaN<');
    expect(page).toMatch(/skipped \(NaN or Infinity\)/);
  });

  it('handles 60 layers with horizontally scrolling charts', () => {
    const page = renderRaellaReport(sampleRaellaReport(60));
    expectSelfContainedPage(page);
    expect(page).toContain('pimc-chart-wide');
    expect(page).toContain('<div class="chart-scroll">');
  });
});

import { describe, expect, it } from 'vitest';
import { markupProblems } from './markup-check.testing.js';
import { sampleSweepReport } from './sample-data.testing.js';
import { renderSweepReport, sweepChartSvg } from './sweep-report.js';
import type { SweepPoint, SweepReportData } from './sweep-report-types.js';

/** Pareto membership straight from the definition (lower energy, higher accuracy). */
function bruteForceFrontSize(points: readonly SweepPoint[], metric: 'accuracy' | 'top1Agreement'): number {
  const xy = points
    .map((p) => ({ x: p.energyPjPerInference ?? NaN, y: p[metric] ?? NaN }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  return xy.filter((p) => !xy.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y))).length;
}

function tableRows(html: string, caption: string): string[] {
  const start = html.indexOf(`<caption>${caption}</caption>`);
  const body = html.slice(start, html.indexOf('</tbody>', start));
  return body.split('<tr').slice(2);
}

describe('renderSweepReport', () => {
  const data = sampleSweepReport();
  const html = renderSweepReport(data);

  it('is a well-formed, self-contained, deterministic page', () => {
    expect(markupProblems(html)).toEqual([]);
    expect(html).not.toMatch(/http|<script|<link|<img|src=/i);
    expect(renderSweepReport(sampleSweepReport())).toBe(html);
  });

  it('lists every grid point and marks exactly the Pareto-optimal ones', () => {
    const all = tableRows(html, 'All grid points');
    expect(all).toHaveLength(data.points.length);
    const expected = bruteForceFrontSize(data.points, 'accuracy');
    expect(all.filter((row) => row.includes('>yes<'))).toHaveLength(expected);
    expect(tableRows(html, 'Pareto-optimal settings, by increasing energy')).toHaveLength(expected);
    expect(html).toContain(`${expected} Pareto-optimal.`);
  });

  it('falls back to top-1 agreement when no point has an accuracy', () => {
    const points = data.points.map((p) => ({ ...p, accuracy: undefined }));
    const page = renderSweepReport({ ...data, points });
    expect(markupProblems(page)).toEqual([]);
    expect(page).toContain('top-1 agreement vs energy');
    expect(page).toContain(`${bruteForceFrontSize(points, 'top1Agreement')} Pareto-optimal.`);
  });

  it('renders empty or unusable sweeps with a note', () => {
    for (const sweep of [
      { model: 'm', points: [] },
      { model: 'm', points: [{ kW: 4, energyPjPerInference: NaN, accuracy: 0.9 }] },
    ] as SweepReportData[]) {
      const page = renderSweepReport(sweep);
      expect(markupProblems(page)).toEqual([]);
      expect(page).toContain('No data');
    }
  });

  it('escapes names', () => {
    const page = renderSweepReport({ ...data, model: '<m&>', points: [{ ...data.points[0], label: '"<x>"' }] });
    expect(markupProblems(page)).toEqual([]);
    expect(page).toContain('&lt;m&amp;&gt;');
    expect(page).not.toContain('"<x>"');
  });
});

describe('sweepChartSvg', () => {
  it('is a standalone SVG file whose only URL is the SVG namespace', () => {
    const svg = sweepChartSvg(sampleSweepReport());
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(markupProblems(svg)).toEqual([]);
    expect(svg.match(/http/g)).toHaveLength(1);
    expect(sweepChartSvg(sampleSweepReport())).toBe(svg);
  });
});

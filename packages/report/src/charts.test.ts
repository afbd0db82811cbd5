import { describe, expect, it } from 'vitest';
import { barChartSvg, type BarChartData } from './bar-chart.js';
import { histogramChartSvg, type HistogramChartData } from './histogram-chart.js';
import { elementsNamed, markupProblems } from './markup-check.testing.js';
import { paretoFront } from './pareto.js';
import { scatterChartSvg, type ScatterChartData } from './scatter-chart.js';
import { stackedBarChartSvg, type StackedBarChartData } from './stacked-bar-chart.js';

const NASTY = `a<b>&"c'`;

function expectWellFormedSvg(svg: string): void {
  expect(markupProblems(svg)).toEqual([]);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toMatch(/viewBox="0 0 [\d.]+ [\d.]+"/);
  expect(svg).toContain('role="img"');
  // The accessible name comes first; <desc> follows it.
  expect(svg).toMatch(/^<svg[^>]*><title>[^<]+<\/title><desc>/);
  expect(svg).not.toMatch(/http|<script|href=/);
}

/** Heights of the rectangles inside the bars group, in drawing order. */
function barHeights(svg: string): number[] {
  const bars = /<g class="bars">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  return [...bars.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
}

const bar: BarChartData = {
  title: 'ADC conversions per layer',
  categories: ['conv1', 'conv2', 'fc'],
  series: [
    { name: 'isaac', values: [100, 200, 400] },
    { name: 'raella', values: [40, 80, 160] },
  ],
  xLabel: 'Layer',
  yLabel: 'Conversions',
};

const stacked: StackedBarChartData = {
  title: 'Energy',
  categories: ['conv1', 'fc'],
  groups: ['isaac', 'raella'],
  segments: [{ name: 'adc' }, { name: 'crossbar' }],
  values: [
    [
      [3, 1],
      [1, 1],
    ],
    [
      [2, 2],
      [1, 0.5],
    ],
  ],
  yLabel: 'Energy (pJ)',
};

const histogram: HistogramChartData = {
  title: 'Column sums',
  series: [
    { name: 'ISAAC-like', start: 0, counts: [1, 5, 10, 5, 1] },
    { name: 'Center+Offset', start: -2, counts: [2, 8, 20, 8, 2] },
  ],
  markers: [{ x: -64, label: 'ADC min' }],
  xLabel: 'Column sum',
};

const scatter: ScatterChartData = {
  title: 'Accuracy vs energy',
  points: [
    { x: 10, y: 0.9, label: 'a' },
    { x: 20, y: 0.95, label: 'b' },
    { x: 30, y: 0.93, label: 'c' },
    { x: 40, y: 0.97, label: 'd' },
    { x: 15, y: 0.85, label: 'e' },
  ],
  references: [{ x: 50, y: 0.96, label: 'baseline' }],
  xLabel: 'Energy',
  yLabel: 'Accuracy',
};

const renderers = [
  ['bar', () => barChartSvg(bar)],
  ['stacked', () => stackedBarChartSvg(stacked)],
  ['histogram', () => histogramChartSvg(histogram)],
  ['scatter', () => scatterChartSvg(scatter)],
] as const;

describe.each(renderers)('%s chart', (_name, render) => {
  it('is well-formed, accessible SVG without external references', () => {
    expectWellFormedSvg(render());
  });
  it('is deterministic', () => {
    expect(render()).toBe(render());
  });
});

describe('bar chart', () => {
  it('draws bars proportional to the values on a linear axis', () => {
    const heights = barHeights(barChartSvg(bar));
    expect(heights).toHaveLength(6);
    // Series 0 then series 1, categories in order: heights keep the ratios of the values.
    expect(heights[1] / heights[0]).toBeCloseTo(2, 1);
    expect(heights[2] / heights[0]).toBeCloseTo(4, 1);
    expect(heights[3] / heights[0]).toBeCloseTo(0.4, 1);
  });
  it('escapes names everywhere', () => {
    const svg = barChartSvg({
      ...bar,
      title: NASTY,
      categories: [NASTY, 'x', 'y'],
      series: [{ name: NASTY, values: [1, 2, 3] }],
    });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('a&lt;b&gt;&amp;&quot;c&#39;');
    expect(svg).not.toContain(NASTY);
  });
  it('renders a note instead of throwing on empty or unusable data', () => {
    for (const data of [
      { ...bar, categories: [] },
      { ...bar, series: [] },
      { ...bar, series: [{ name: 's', values: [NaN, Infinity, undefined] }] },
    ]) {
      const svg = barChartSvg(data);
      expect(markupProblems(svg)).toEqual([]);
      expect(svg).toContain('No data');
    }
  });
  it('skips NaN/Infinity and zeros on a log scale, and says so', () => {
    const svg = barChartSvg({ ...bar, logY: true, series: [{ name: 's', values: [NaN, 0, 1000] }] });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('1 value skipped (NaN or Infinity)');
    expect(svg).toContain('1 value ≤ 0 not shown on the log scale');
    expect(barHeights(svg)).toHaveLength(1);
  });
  it('widens, rotates labels and marks itself for scrolling with 60 categories', () => {
    const categories = Array.from({ length: 60 }, (_, i) => `layer${i}.conv${i % 3}`);
    const svg = barChartSvg({
      ...bar,
      categories,
      series: bar.series.map((s) => ({ ...s, values: categories.map((_, i) => i + 1) })),
    });
    expect(markupProblems(svg)).toEqual([]);
    expect(Number(/ width="(\d+)"/.exec(svg)?.[1])).toBeGreaterThan(1100);
    expect(svg).toContain('pimc-chart-wide');
    expect(svg).toMatch(/<text [^>]*transform="rotate\(-45/);
    expect(barHeights(svg)).toHaveLength(120);
  });
});

describe('stacked bar chart', () => {
  it('stacks segments so each bar totals its segments', () => {
    const svg = stackedBarChartSvg(stacked);
    const heights = barHeights(svg);
    // Non-zero segments only: 3+1, 1+1, 2+2, 1+0.5.
    expect(heights).toHaveLength(8);
    const unit = heights[0] / 3;
    expect(heights[0] + heights[1]).toBeCloseTo(4 * unit, 1);
    expect(heights[6] + heights[7]).toBeCloseTo(1.5 * unit, 1);
    // Groups are tagged under the bars and explained in the legend.
    expect(svg).toContain('A = isaac, B = raella');
  });
  it('leaves out negative and non-finite segments with notes', () => {
    const svg = stackedBarChartSvg({
      ...stacked,
      values: [
        [
          [-1, 2],
          [NaN, 1],
        ],
        [undefined, [1, 1]],
      ],
    });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('1 value &lt; 0 left out of the stacks');
    expect(svg).toContain('1 value skipped (NaN or Infinity)');
  });
  it('renders a note for empty data', () => {
    expect(stackedBarChartSvg({ ...stacked, categories: [], values: [] })).toContain('No data');
    expect(stackedBarChartSvg({ ...stacked, values: [] })).toContain('No data');
  });
});

describe('histogram chart', () => {
  it('draws one step area per series and the markers', () => {
    const svg = histogramChartSvg(histogram);
    expect(elementsNamed(svg, 'path')).toHaveLength(2);
    expect(svg).toContain('ADC min');
    expect(svg).toContain('stroke-dasharray');
  });
  it('supports a log count axis with empty bins', () => {
    const svg = histogramChartSvg({ ...histogram, logY: true, series: [{ name: 's', start: 0, counts: [1, 0, 0, 1000] }] });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('(log scale)');
  });
  it('notes bad counts and renders a note for empty data', () => {
    const svg = histogramChartSvg({ ...histogram, series: [{ name: 's', start: 0, counts: [1, NaN, -3, 2] }] });
    expect(svg).toContain('2 bin count(s) skipped');
    expect(histogramChartSvg({ ...histogram, series: [] })).toContain('No data');
    expect(histogramChartSvg({ ...histogram, series: [{ name: 'z', start: 0, counts: [0, 0] }] })).toContain('No data');
  });
});

describe('scatter chart', () => {
  it('highlights and joins exactly the Pareto-optimal points', () => {
    const svg = scatterChartSvg(scatter);
    const front = paretoFront(scatter.points);
    const highlighted = elementsNamed(/<g class="front">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '', 'circle');
    expect(highlighted).toHaveLength(front.filter(Boolean).length);
    const joined = /<polyline points="([^"]+)"/.exec(svg)?.[1].split(' ') ?? [];
    expect(joined).toHaveLength(front.filter(Boolean).length);
    // Joined left to right.
    const xs = joined.map((p) => Number(p.split(',')[0]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(svg).toContain('baseline');
  });
  it('skips non-positive x on a log axis and non-finite points, with notes', () => {
    const svg = scatterChartSvg({ ...scatter, logX: true, points: [...scatter.points, { x: 0, y: 0.99 }, { x: NaN, y: 0.5 }] });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('not shown on the log scale');
    expect(svg).toContain('skipped (NaN or Infinity)');
    expect(svg).toContain('Pareto front: 3 of 5 point(s)');
  });
  it('escapes labels and renders a note for empty data', () => {
    const svg = scatterChartSvg({ ...scatter, points: [{ x: 1, y: 1, label: NASTY }] });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).not.toContain(NASTY);
    expect(scatterChartSvg({ ...scatter, points: [], references: [] })).toContain('No data');
  });
});

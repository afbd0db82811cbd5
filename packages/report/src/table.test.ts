import { describe, expect, it } from 'vitest';
import { formatPercent } from './format.js';
import { markupProblems } from './markup-check.testing.js';
import { renderTable } from './table.js';

describe('renderTable', () => {
  const columns = [
    { header: 'Layer' },
    { header: 'Share', format: (v: number) => formatPercent(v, 1) },
    { header: 'Empty' },
    { header: 'Count' },
  ];

  it('formats, aligns and marks missing and non-finite cells', () => {
    const html = renderTable({
      caption: 'T',
      columns,
      rows: [
        ['conv1', 0.5, undefined, 1234567],
        ['fc', NaN, null, Infinity],
      ],
    });
    expect(markupProblems(html)).toEqual([]);
    expect(html).toContain('<td class="num">50.0%</td>');
    expect(html).toContain('<td class="num">1\u202f234\u202f567</td>');
    expect(html).toContain('<td class="num nonfinite">NaN</td>');
    expect(html).toContain('<td class="num nonfinite">∞</td>');
    expect(html).toContain('<td class="missing">—</td>');
    expect(html).toContain('<th scope="row">conv1</th>');
  });

  it('hides columns with no values when asked, and escapes text', () => {
    const html = renderTable({ columns, hideEmptyColumns: true, rows: [[`<&>"`, 0.1, undefined, 2]] });
    expect(markupProblems(html)).toEqual([]);
    expect(html).not.toContain('Empty');
    expect(html).toContain('&lt;&amp;&gt;&quot;');
  });

  it('folds long tables into <details> and says when there are no rows', () => {
    const rows = Array.from({ length: 5 }, (_, i) => [`r${i}`, i / 10, 1, i]);
    const folded = renderTable({ caption: 'Big', columns, rows, collapseAbove: 3 });
    expect(markupProblems(folded)).toEqual([]);
    expect(folded).toMatch(/^<details><summary>Show Big \(5 rows\)<\/summary>/);
    expect(renderTable({ columns, rows: [], emptyMessage: 'Nothing here.' })).toContain('Nothing here.');
  });

  it('draws group rules from row classes', () => {
    const html = renderTable({ columns, rows: [{ cells: ['a', 1, 1, 1] }, { cells: ['b', 1, 1, 1], className: 'group-start' }] });
    expect(html).toContain('<tr class="group-start">');
  });
});

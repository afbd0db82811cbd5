// A complete, self-contained HTML page: inline CSS, system fonts, no scripts, no external resources,
// no timestamp (the same data gives the same bytes).
import { escapeXml } from './format.js';

export interface PageSection {
  /** Anchor id for the table of contents. */
  readonly id: string;
  readonly title: string;
  /** Markup (already escaped) of the section's content. */
  readonly body: string;
}

export interface PageData {
  readonly title: string;
  readonly subtitle?: string;
  /** Caveats shown at the top: placeholders, unverified numbers, calibration used. */
  readonly notes?: readonly string[];
  readonly sections: readonly PageSection[];
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #222; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; min-height: 100vh; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 2.4rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.02rem; margin: 1.4rem 0 .4rem; }
p { margin: .4rem 0 .8rem; max-width: 75ch; }
.subtitle { color: #555; margin: 0 0 1rem; }
.notes { border-left: 4px solid #E69F00; background: #fff8e6; padding: .5rem 1rem; margin: 1rem 0 1.2rem; }
.notes h2 { font-size: 1rem; margin: .2rem 0; padding: 0; border: 0; }
.notes ul { margin: .3rem 0; padding-left: 1.2rem; }
nav.toc { font-size: .92rem; }
nav.toc ol { margin: .3rem 0; padding-left: 1.4rem; columns: 2; }
a { color: #0060a0; }
ul.findings li { margin: .15rem 0; }
figure { margin: .8rem 0 1.4rem; }
figcaption { color: #555; font-size: .85rem; margin-top: .3rem; max-width: 90ch; }
.chart-scroll, .table-scroll { overflow-x: auto; max-width: 100%; }
svg.pimc-chart { display: block; max-width: 100%; height: auto; }
svg.pimc-chart-wide { max-width: none; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; margin: .4rem 0 1rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { padding: .22rem .6rem; border-bottom: 1px solid #e6e6e6; white-space: nowrap; vertical-align: top; }
thead th { background: #eef1f4; border-bottom: 2px solid #b8bec5; text-align: left; position: sticky; top: 0; }
tbody th { font-weight: normal; text-align: left; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.group-start > * { border-top: 2px solid #c9ced4; }
tr.pareto > * { background: #fff1e0; }
.num { text-align: right; }
.center { text-align: center; }
.missing { color: #9a9a9a; }
.nonfinite { color: #b3400a; font-weight: 600; }
p.empty { color: #666; font-style: italic; }
details { margin: .4rem 0 1rem; }
details > summary { cursor: pointer; color: #0060a0; }
footer { margin-top: 3rem; color: #777; font-size: .8rem; }
@media print { body { background: #fff; } main { padding: 0; } thead th { position: static; } }
`;

/** A figure wrapping an SVG chart; wide charts scroll horizontally inside it. */
export function figure(svg: string, caption?: string): string {
  const figcaption = caption === undefined ? '' : `<figcaption>${escapeXml(caption)}</figcaption>`;
  return `<figure><div class="chart-scroll">${svg}</div>${figcaption}</figure>`;
}

/** A paragraph of plain text. */
export function paragraph(text: string): string {
  return `<p>${escapeXml(text)}</p>`;
}

/** A bullet list of plain-text items. */
export function bulletList(items: readonly string[], className?: string): string {
  const cls = className === undefined ? '' : ` class="${escapeXml(className)}"`;
  return `<ul${cls}>${items.map((item) => `<li>${escapeXml(item)}</li>`).join('')}</ul>`;
}

/** The page: title, notes, table of contents and sections. */
export function renderHtmlPage(page: PageData): string {
  const notes = page.notes ?? [];
  const notesBlock =
    notes.length === 0 ? '' : `<aside class="notes" aria-label="Notes"><h2>Notes</h2>${bulletList(notes)}</aside>`;
  const toc =
    page.sections.length < 2
      ? ''
      : `<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>${page.sections
          .map((s) => `<li><a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a></li>`)
          .join('')}</ol></nav>`;
  const sections = page.sections
    .map((s) => `<section id="${escapeXml(s.id)}">\n<h2>${escapeXml(s.title)}</h2>\n${s.body}\n</section>`)
    .join('\n');
  const subtitle = page.subtitle === undefined ? '' : `<p class="subtitle">${escapeXml(page.subtitle)}</p>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header><h1>${escapeXml(page.title)}</h1>${subtitle}</header>`,
    notesBlock,
    toc,
    sections,
    '<footer>Generated by pimc (@pimc/report). Self-contained page: no scripts, no external resources.</footer>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// Minimal SVG string builders. Every piece of text goes through escapeXml and every coordinate
// through coord, so output is well-formed and byte-for-byte deterministic.
import { coord, escapeXml } from './format.js';
import { INK } from './palette.js';

export type AttrValue = string | number | undefined;

/** System fonts only: a report must not fetch anything. */
export const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';

/** Attributes in insertion order; undefined values are left out, numbers are rounded. */
export function attrs(attributes: Readonly<Record<string, AttrValue>>): string {
  let out = '';
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out += ` ${name}="${typeof value === 'number' ? coord(value) : escapeXml(value)}"`;
  }
  return out;
}

/** An element; `children` is markup that is already escaped, absent for an empty element. */
export function el(name: string, attributes: Readonly<Record<string, AttrValue>>, children?: string): string {
  return children === undefined ? `<${name}${attrs(attributes)}/>` : `<${name}${attrs(attributes)}>${children}</${name}>`;
}

/** A tooltip: browsers show an element's first <title> child on hover. */
export function tooltip(text: string): string {
  return `<title>${escapeXml(text)}</title>`;
}

/** A text element; when `fullText` differs from the shown text it becomes the tooltip. */
export function textEl(
  x: number,
  y: number,
  text: string,
  attributes: Readonly<Record<string, AttrValue>> = {},
  fullText?: string,
): string {
  const hint = fullText !== undefined && fullText !== text ? tooltip(fullText) : '';
  return el('text', { x, y, ...attributes }, `${hint}${escapeXml(text)}`);
}

export interface SvgDocument {
  readonly width: number;
  readonly height: number;
  /** The accessible name (first <title> child) and the visible heading. */
  readonly title: string;
  /** A plain-text summary for screen readers (<desc>). */
  readonly description: string;
  readonly body: string;
  /** Marks charts wider than a page column so the HTML page scrolls them instead of shrinking them. */
  readonly wide?: boolean;
}

/** Width above which a chart is scrolled horizontally rather than scaled down. */
export const WIDE_CHART_PX = 1100;

/** The outer <svg> element: viewBox-based so it scales, with its natural size as width/height. */
export function svgDocument(doc: SvgDocument): string {
  const wide = doc.wide ?? doc.width > WIDE_CHART_PX;
  return (
    `<svg${attrs({
      class: wide ? 'pimc-chart pimc-chart-wide' : 'pimc-chart',
      role: 'img',
      viewBox: `0 0 ${coord(doc.width)} ${coord(doc.height)}`,
      width: doc.width,
      height: doc.height,
      'font-family': FONT_FAMILY,
      'font-size': 12,
      fill: INK.text,
    })}>` +
    `<title>${escapeXml(doc.title)}</title><desc>${escapeXml(doc.description)}</desc>` +
    el('rect', { x: 0, y: 0, width: doc.width, height: doc.height, fill: '#ffffff' }) +
    textEl(12, 22, doc.title, { 'font-size': 15, 'font-weight': 'bold' }) +
    doc.body +
    '</svg>'
  );
}

/** The same SVG as a file of its own: XML declaration and namespace added. */
export function standaloneSvg(svg: string): string {
  const withNamespace = svg.replace(/^<svg(?=[\s>])/, '<svg xmlns="http://www.w3.org/2000/svg"');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${withNamespace}\n`;
}

/** Small grey note lines under a chart (skipped values, scale choices). */
export function noteLines(lines: readonly string[], x: number, y: number): string {
  return lines.map((line, i) => textEl(x, y + i * 15, line, { 'font-size': 11, fill: INK.muted })).join('');
}

/** Height that noteLines needs for `count` lines. */
export function noteLinesHeight(count: number): number {
  return count * 15;
}

/** A chart with nothing to draw: same frame, a centred message, and the notes that explain why. */
export function emptyChart(title: string, message: string, notes: readonly string[] = []): string {
  const width = 640;
  const height = 110 + noteLinesHeight(notes.length);
  const body =
    el('rect', { x: 12, y: 36, width: width - 24, height: 50, fill: '#f6f6f6', stroke: INK.grid }) +
    textEl(width / 2, 66, message, { 'text-anchor': 'middle', fill: INK.muted, 'font-style': 'italic' }) +
    noteLines(notes, 12, 104);
  return svgDocument({ width, height, title, description: `${title}: ${message}. ${notes.join(' ')}`.trim(), body });
}

// Chart legends laid out left to right, wrapping into rows within a maximum width.
import { estimateTextWidth, truncateLabel } from './format.js';
import { el, textEl } from './svg.js';

export type LegendShape = 'box' | 'line' | 'dot' | 'diamond';

export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly shape?: LegendShape;
}

export interface Legend {
  readonly svg: string;
  readonly height: number;
}

const ROW_HEIGHT = 18;
const FONT_SIZE = 12;
const MAX_LABEL_CHARS = 40;

function swatch(shape: LegendShape, x: number, y: number, color: string): string {
  switch (shape) {
    case 'line':
      return el('line', { x1: x, y1: y + 6, x2: x + 14, y2: y + 6, stroke: color, 'stroke-width': 2.5 });
    case 'dot':
      return el('circle', { cx: x + 6, cy: y + 6, r: 4.5, fill: color });
    case 'diamond':
      return el('path', { d: `M${x + 6} ${y}L${x + 12} ${y + 6}L${x + 6} ${y + 12}L${x} ${y + 6}Z`, fill: color });
    case 'box':
      return el('rect', { x, y, width: 12, height: 12, fill: color, 'fill-opacity': 0.85, stroke: color });
  }
}

/** Lays out `items` from (x, y) within `maxWidth`; returns the markup and the height used. */
export function renderLegend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): Legend {
  if (items.length === 0) return { svg: '', height: 0 };
  let svg = '';
  let cx = x;
  let row = 0;
  for (const item of items) {
    const label = truncateLabel(item.label, MAX_LABEL_CHARS);
    const itemWidth = 20 + estimateTextWidth(label, FONT_SIZE) + 16;
    if (cx > x && cx + itemWidth > x + maxWidth) {
      row++;
      cx = x;
    }
    const top = y + row * ROW_HEIGHT;
    svg += swatch(item.shape ?? 'box', cx, top, item.color);
    svg += textEl(cx + 18, top + 10, label, { 'font-size': FONT_SIZE }, item.label);
    cx += itemWidth;
  }
  return { svg: `<g class="legend">${svg}</g>`, height: (row + 1) * ROW_HEIGHT };
}

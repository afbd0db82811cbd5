// HTML data tables with per-column number formatting. Missing values show as a dash, values that
// are not finite are flagged, and long tables fold into a <details> element (no script needed).
import { escapeXml, formatInteger, formatSignificant, nonFiniteText } from './format.js';

export type TableCell = string | number | null | undefined;

export interface TableColumn {
  readonly header: string;
  /** Explanation shown as the header's tooltip (units, definitions). */
  readonly title?: string;
  /** Default: right for columns holding only numbers, left otherwise. */
  readonly align?: 'left' | 'right' | 'center';
  /** Formats numeric cells; default: integers grouped, other numbers to 4 significant digits. */
  readonly format?: (v: number) => string;
}

export interface TableRow {
  readonly cells: readonly TableCell[];
  /** A CSS class for the row, e.g. "group-start" to draw a rule above the first row of a group. */
  readonly className?: string;
}

export interface TableData {
  readonly caption?: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly (readonly TableCell[] | TableRow)[];
  /** Leave out columns in which every cell is missing (null or undefined). */
  readonly hideEmptyColumns?: boolean;
  /** Fold the table into a closed <details> element when it has more rows than this. */
  readonly collapseAbove?: number;
  /** Shown instead of the table when there are no rows. */
  readonly emptyMessage?: string;
}

function defaultFormat(v: number): string {
  return Number.isInteger(v) ? formatInteger(v) : formatSignificant(v, 4);
}

function isMissing(cell: TableCell): cell is null | undefined {
  return cell === null || cell === undefined;
}

function cellsOf(row: readonly TableCell[] | TableRow): readonly TableCell[] {
  return 'cells' in row ? row.cells : row;
}

function renderCell(cell: TableCell, column: TableColumn, align: string, header: boolean): string {
  const tag = header ? 'th' : 'td';
  const scope = header ? ' scope="row"' : '';
  const classes = [align === 'right' ? 'num' : align === 'center' ? 'center' : ''];
  let text: string;
  if (isMissing(cell)) {
    classes.push('missing');
    text = '—';
  } else if (typeof cell === 'number') {
    const bad = nonFiniteText(cell);
    if (bad !== undefined) classes.push('nonfinite');
    text = bad ?? (column.format ?? defaultFormat)(cell);
  } else {
    text = cell;
  }
  const cls = classes.filter((c) => c !== '').join(' ');
  return `<${tag}${scope}${cls === '' ? '' : ` class="${cls}"`}>${escapeXml(text)}</${tag}>`;
}

/** The table as an HTML fragment; the first column is marked up as row headers. */
export function renderTable(data: TableData): string {
  const rows = data.rows ?? [];
  const caption = data.caption === undefined ? '' : `<caption>${escapeXml(data.caption)}</caption>`;
  if (rows.length === 0) {
    return `<p class="empty">${caption === '' ? '' : `${escapeXml(data.caption ?? '')}: `}${escapeXml(data.emptyMessage ?? 'No data.')}</p>`;
  }
  const columnIndices = data.columns
    .map((_, j) => j)
    .filter((j) => j === 0 || !data.hideEmptyColumns || rows.some((r) => !isMissing(cellsOf(r)[j])));
  const aligns = data.columns.map((column, j) => {
    if (column.align !== undefined) return column.align;
    const present = rows.map((r) => cellsOf(r)[j]).filter((c) => !isMissing(c));
    return present.length > 0 && present.every((c) => typeof c === 'number') ? 'right' : 'left';
  });
  const head = columnIndices
    .map((j) => {
      const column = data.columns[j];
      const title = column.title === undefined ? '' : ` title="${escapeXml(column.title)}"`;
      const cls = aligns[j] === 'right' ? ' class="num"' : '';
      return `<th scope="col"${cls}${title}>${escapeXml(column.header)}</th>`;
    })
    .join('');
  const body = rows
    .map((row) => {
      const cells = cellsOf(row);
      const cls = 'cells' in row && row.className !== undefined ? ` class="${escapeXml(row.className)}"` : '';
      return `<tr${cls}>${columnIndices.map((j, k) => renderCell(cells[j], data.columns[j], aligns[j], k === 0)).join('')}</tr>`;
    })
    .join('\n');
  const table = `<div class="table-scroll"><table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
  if (data.collapseAbove !== undefined && rows.length > data.collapseAbove) {
    const what = data.caption ?? 'table';
    return `<details><summary>Show ${escapeXml(what)} (${rows.length} rows)</summary>${table}</details>`;
  }
  return table;
}

import { formatNumber } from '@pimc/arch';
import type { MvmGeometry, Program } from './program.js';

/** Arrays up to this long are printed whole; longer ones as count, min, max and their first values. */
const WHOLE_ARRAY_LIMIT = 8;
const SHOWN_VALUES = 4;

/**
 * `i32[3]: 1, -2, 5`, or for long arrays `i32[512] min -3 max 410: 12, -5, 7, 0, …`. Plain number
 * lists are written `[n]` without a type.
 */
export function summarizeArray(values: ArrayLike<number>): string {
  const type =
    values instanceof Int32Array ? 'i32' : values instanceof Uint8Array ? 'u8' : values instanceof Float32Array ? 'f32' : '';
  const all = Array.from(values, formatNumber);
  if (values.length <= WHOLE_ARRAY_LIMIT) return `${type}[${values.length}]${all.length === 0 ? '' : `: ${all.join(', ')}`}`;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    min = Math.min(min, values[k]);
    max = Math.max(max, values[k]);
  }
  return `${type}[${values.length}] min ${formatNumber(min)} max ${formatNumber(max)}: ${all.slice(0, SHOWN_VALUES).join(', ')}, …`;
}

/** A number list attribute: whole when short, else summarized. */
export function formatList(values: readonly number[]): string {
  return values.length <= WHOLE_ARRAY_LIMIT ? `[${values.map(formatNumber).join(', ')}]` : summarizeArray(values);
}

/** `%3 conv1`: a tensor id with its name. */
export function tensorRef(program: Program, id: number): string {
  const t = program.tensors[id];
  return t === undefined ? `%${id}` : `%${id} ${t.name}`;
}

/** An instruction's fields, one per line, values aligned after the widest field name. */
export function fieldLines(fields: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `    ${k.padEnd(width)}  ${v}`.trimEnd());
}

/** A list shown as its first `shown` items plus `… n more` on separate lines under `name (count)`. */
export function listField(name: string, items: readonly string[], shown: number): [string, string][] {
  const lines = items.slice(0, shown);
  if (items.length > shown) lines.push(`… ${items.length - shown} more`);
  return [[`${name} (${items.length})`, lines[0] ?? ''], ...lines.slice(1).map((t): [string, string] => ['', t])];
}

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export function range(start: number, count: number): string {
  return `${start}..${start + count - 1}`;
}

/** `in 2×4×4 → out 4×2×2, kernel 3×3, …`: an im2col layer's geometry on one line. */
export function geometryText(g: MvmGeometry): string {
  return (
    `in ${g.inShape.join('×')} → out ${g.outShape.join('×')}, kernel ${g.kernel.join('×')}, strides ${g.strides.join('×')}, ` +
    `pads ${g.pads.join(',')} (t,l,b,r), dilations ${g.dilations.join('×')}, groups ${g.groups}`
  );
}

import type { Chip } from '@pimc/arch';

/**
 * Fields that label or document a chip rather than describe its hardware: two chips differing only
 * in these run a program identically.
 */
const LABEL_FIELDS: ReadonlySet<string> = new Set(['name', 'description', 'basedOn', 'sources']);

export interface ChipDifference {
  /** Dotted path of the first differing field (`tiles.macro.crossbar.rows`). */
  readonly path: string;
  /** Its value in each chip, as JSON (`undefined` when absent). */
  readonly actual: string;
  readonly expected: string;
}

/**
 * The first hardware field in which two chips differ (in the order of `actual`'s fields, then any
 * field only `expected` has), or undefined when they describe the same hardware.
 */
export function firstChipDifference(actual: Chip, expected: Chip): ChipDifference | undefined {
  return firstDifference(actual, expected, '');
}

function firstDifference(a: unknown, b: unknown, path: string): ChipDifference | undefined {
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const key of keys) {
      if (path === '' && LABEL_FIELDS.has(key)) continue;
      const found = firstDifference(a[key], b[key], path === '' ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === b.length && a.every((x, i) => firstDifference(x, b[i], `${path}[${i}]`) === undefined)) return undefined;
    return { path, actual: show(a), expected: show(b) };
  }
  return Object.is(a, b) ? undefined : { path, actual: show(a), expected: show(b) };
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'absent' : JSON.stringify(v);
}

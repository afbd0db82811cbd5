import { closestMatch } from './suggest.js';
import { describeUnit, explainUnitString, isDimensionless, type FieldUnit } from './units.js';

/**
 * A small declarative schema language for JSON descriptions: each field states its kind, unit,
 * legal range, default and meaning. The same table drives validation (`checkField`), the field
 * reference in `docs/chip-format.md` and `pimc arch show`. `FieldsOf<T>` ties a table to the
 * TypeScript interface it produces, so the two cannot drift apart.
 */

interface FieldBase {
  /** What the field means, for users (one or two sentences). */
  readonly doc: string;
  /** The key may be absent (and stays absent: no default). */
  readonly optional?: boolean;
}

export interface NumberField extends FieldBase {
  readonly kind: 'number';
  readonly unit: FieldUnit;
  readonly integer?: boolean;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound (`above: 0` means strictly positive). */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Why the bounds are what they are, appended to a range error. */
  readonly why?: string;
  readonly default?: number;
}

export interface NumberListField extends FieldBase {
  readonly kind: 'number-list';
  readonly unit: FieldUnit;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly default?: readonly number[];
}

export interface BooleanField extends FieldBase {
  readonly kind: 'boolean';
  readonly default?: boolean;
}

export interface StringField extends FieldBase {
  readonly kind: 'string';
  readonly default?: string;
}

export interface StringListField extends FieldBase {
  readonly kind: 'string-list';
  readonly default?: readonly string[];
}

export interface EnumField<V extends string = string> extends FieldBase {
  readonly kind: 'enum';
  readonly values: readonly V[];
  readonly default?: V;
}

/** A map with keys from a lazily computed list (field paths, constant names). */
export interface RecordField extends FieldBase {
  readonly kind: 'record';
  /** What a key names, for messages and the reference. */
  readonly keyDoc: string;
  readonly keys: () => readonly string[];
  /** The spec each value is checked against (it may depend on the key, e.g. the constant's unit). */
  readonly value: (key: string) => NumberField | StringField;
}

export interface ObjectField<T = unknown> extends FieldBase {
  readonly kind: 'object';
  readonly fields: FieldsOf<T>;
}

export type AnyField =
  NumberField | NumberListField | BooleanField | StringField | StringListField | EnumField | RecordField | ObjectField<unknown>;

/** The field spec a value type calls for. */
type SpecFor<V> = [V] extends [number]
  ? NumberField
  : [V] extends [boolean]
    ? BooleanField
    : [V] extends [readonly number[]]
      ? NumberListField
      : [V] extends [readonly string[]]
        ? StringListField
        : [V] extends [string]
          ? string extends V
            ? StringField
            : EnumField<V>
          : ObjectField<V> | RecordField;

/** One spec per key of `T`; keys that may be undefined must be marked `optional: true`. */
export type FieldsOf<T> = {
  readonly [K in keyof T]-?: undefined extends T[K]
    ? SpecFor<Exclude<T[K], undefined>> & { readonly optional: true }
    : SpecFor<T[K]>;
};

/** One thing wrong with a description, at a dotted path. */
export interface Problem {
  readonly path: string;
  readonly message: string;
  readonly notes?: readonly string[];
}

/** The sentence describing what a field accepts, for "missing" and "wrong type" messages. */
export function describeField(spec: AnyField): string {
  switch (spec.kind) {
    case 'number': {
      const what = spec.integer === true ? 'an integer' : 'a number';
      return isDimensionless(spec.unit) ? `${what} (${describeUnit(spec.unit)})` : `${what} in ${spec.unit}`;
    }
    case 'number-list':
      return `a list of ${spec.integer === true ? 'integers' : 'numbers'} in ${spec.unit}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'string-list':
      return 'a list of strings';
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'record':
      return `an object keyed by ${spec.keyDoc}`;
    case 'object':
      return `an object with fields ${Object.keys(spec.fields).join(', ')}`;
  }
}

/** The legal range of a number field as text (`integer in [1, 8]`, `> 0`), or '' when unbounded. */
export function describeRange(spec: NumberField | NumberListField): string {
  const lo =
    'above' in spec && spec.above !== undefined ? `> ${spec.above}` : spec.min !== undefined ? `≥ ${compact(spec.min)}` : '';
  const hi = spec.max !== undefined ? `≤ ${compact(spec.max)}` : '';
  return [lo, hi].filter((s) => s !== '').join(', ');
}

/** Large bounds as `2^40` or `1e9` rather than a wall of digits. */
function compact(x: number): string {
  if (x < 1e5) return String(x);
  const log2 = Math.log2(x);
  if (Number.isInteger(log2)) return `2^${log2}`;
  const log10 = Math.log10(x);
  return Number.isInteger(log10) ? `1e${log10}` : String(x);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Checks `value` against `spec` and returns the normalized value (defaults filled in), or
 * `undefined` after recording problems. Checking goes on after a problem so one run reports them all.
 */
export function checkField(spec: AnyField, value: unknown, path: string, problems: Problem[]): unknown {
  switch (spec.kind) {
    case 'number':
      return checkNumber(spec, value, path, problems);
    case 'number-list':
      return checkNumberList(spec, value, path, problems);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      problems.push({ path, message: `expected true or false, got ${typeName(value)}` });
      return undefined;
    case 'string':
      if (typeof value === 'string') return value;
      problems.push({ path, message: `expected a string, got ${typeName(value)}` });
      return undefined;
    case 'string-list':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...(value as string[])];
      problems.push({ path, message: `expected a list of strings, got ${typeName(value)}` });
      return undefined;
    case 'enum':
      return checkEnum(spec, value, path, problems);
    case 'record':
      return checkRecord(spec, value, path, problems);
    case 'object':
      return checkObject(spec, value, path, problems);
  }
}

function checkNumber(spec: NumberField, value: unknown, path: string, problems: Problem[]): number | undefined {
  if (typeof value === 'string') {
    problems.push({ path, message: explainUnitString(value, spec.unit) });
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push({ path, message: `expected ${describeField(spec)}, got ${typeName(value)}` });
    return undefined;
  }
  const problem = rangeProblem(spec, value);
  if (problem !== undefined) {
    problems.push({ path, message: problem });
    return undefined;
  }
  return value;
}

function rangeProblem(spec: NumberField | NumberListField, value: number): string | undefined {
  const why = 'why' in spec && spec.why !== undefined ? ` (${spec.why})` : '';
  const unit = isDimensionless(spec.unit) ? '' : ` ${spec.unit}`;
  if (spec.integer === true && !Number.isInteger(value)) return `must be an integer, got ${value}`;
  if ('above' in spec && spec.above !== undefined && !(value > spec.above)) {
    return `must be greater than ${spec.above}${unit}, got ${value}${why}`;
  }
  if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}${unit}, got ${value}${why}`;
  if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}${unit}, got ${value}${why}`;
  return undefined;
}

function checkNumberList(spec: NumberListField, value: unknown, path: string, problems: Problem[]): number[] | undefined {
  if (!Array.isArray(value)) {
    problems.push({ path, message: `expected ${describeField(spec)}, got ${typeName(value)}` });
    return undefined;
  }
  if (value.length < spec.minLength || value.length > spec.maxLength) {
    problems.push({ path, message: `must have ${spec.minLength} to ${spec.maxLength} entries, got ${value.length}` });
    return undefined;
  }
  const before = problems.length;
  const element: NumberField = { kind: 'number', unit: spec.unit, doc: spec.doc };
  const bounded = { ...element, integer: spec.integer, min: spec.min, max: spec.max };
  const out = value.map((v, i) => checkNumber(bounded, v, `${path}[${i}]`, problems));
  return problems.length === before ? (out as number[]) : undefined;
}

function checkEnum(spec: EnumField, value: unknown, path: string, problems: Problem[]): string | undefined {
  if (typeof value === 'string' && spec.values.includes(value)) return value;
  const allowed = spec.values.map((v) => JSON.stringify(v)).join(', ');
  const guess = typeof value === 'string' ? closestMatch(value, spec.values) : undefined;
  problems.push({
    path,
    message: `expected one of ${allowed}, got ${typeName(value)}${guess !== undefined ? `; did you mean ${JSON.stringify(guess)}?` : ''}`,
  });
  return undefined;
}

function checkRecord(spec: RecordField, value: unknown, path: string, problems: Problem[]): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    problems.push({ path, message: `expected ${describeField(spec)}, got ${typeName(value)}` });
    return undefined;
  }
  const keys = spec.keys();
  const out: Record<string, unknown> = {};
  const before = problems.length;
  for (const [key, v] of Object.entries(value)) {
    if (!keys.includes(key)) {
      problems.push(unknownKey(`${path}.${key}`, key, keys, spec.keyDoc, () => undefined));
      continue;
    }
    out[key] = checkField(spec.value(key), v, `${path}.${key}`, problems);
  }
  return problems.length === before ? out : undefined;
}

function unknownKey(
  path: string,
  key: string,
  known: readonly string[],
  what: string,
  specOf: (name: string) => AnyField | undefined,
): Problem {
  const guess = closestMatch(key, known);
  const guessSpec = guess === undefined ? undefined : specOf(guess);
  const unit = guessSpec?.kind === 'number' && guessSpec.unit !== 'count' ? ` (in ${describeUnit(guessSpec.unit)})` : '';
  const hint = guess !== undefined ? `; did you mean '${guess}'${unit}?` : '';
  const list = known.length <= 16 ? [`${what} here: ${known.join(', ')}`] : [];
  return { path, message: `unknown ${what.replace(/s$/, '')} '${key}'${hint}`, notes: list };
}

function checkObject(spec: ObjectField, value: unknown, path: string, problems: Problem[]): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    problems.push({ path, message: `expected ${describeField(spec)}, got ${typeName(value)}` });
    return undefined;
  }
  const fields = spec.fields as Readonly<Record<string, AnyField>>;
  const known = Object.keys(fields);
  const before = problems.length;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) problems.push(unknownKey(join(path, key), key, known, 'fields', (k) => fields[k]));
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const fieldPath = join(path, key);
    const given = value[key];
    if (given === undefined) {
      const filled = defaultOf(field);
      if (filled !== undefined) out[key] = filled;
      else if (field.optional !== true) {
        problems.push({ path: fieldPath, message: `missing required field: ${describeField(field)}; ${field.doc}` });
      }
      continue;
    }
    out[key] = checkField(field, given, fieldPath, problems);
  }
  return problems.length === before ? out : undefined;
}

/** A field's default value; an object whose fields all have defaults defaults to those. */
export function defaultOf(field: AnyField): unknown {
  if (field.optional === true) return undefined;
  switch (field.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(field.fields as Readonly<Record<string, AnyField>>)) {
        if (child.optional === true) continue;
        const d = defaultOf(child);
        if (d === undefined) return undefined;
        out[key] = d;
      }
      return out;
    }
    case 'record':
      return {};
    case 'number-list':
    case 'string-list':
      return field.default === undefined ? undefined : [...field.default];
    default:
      return field.default;
  }
}

/** Every leaf field of a schema with its dotted path, in table order (objects are walked into). */
export function leafFields(spec: ObjectField, path = ''): { path: string; field: Exclude<AnyField, ObjectField> }[] {
  const out: { path: string; field: Exclude<AnyField, ObjectField> }[] = [];
  for (const [key, field] of Object.entries(spec.fields as Readonly<Record<string, AnyField>>)) {
    const p = join(path, key);
    if (field.kind === 'object') out.push(...leafFields(field, p));
    else out.push({ path: p, field });
  }
  return out;
}

/** The field at a dotted path, or undefined. */
export function fieldAt(spec: ObjectField, path: string): AnyField | undefined {
  let cur: AnyField = spec;
  for (const key of path.split('.')) {
    if (cur.kind !== 'object') return undefined;
    const fields = cur.fields as Readonly<Record<string, AnyField>>;
    if (!Object.hasOwn(fields, key)) return undefined;
    cur = fields[key];
  }
  return cur;
}

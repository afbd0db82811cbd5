import { PimcError } from '@pimc/support';
import type { Tensor } from './tensor.js';

/**
 * Attribute schemas. Each op declares its attributes once, as data; the frontend parses ONNX
 * attributes against that declaration (kind checked, defaults filled in), and the result is a
 * frozen, typed object that nothing downstream has to re-validate.
 */
export type AttrKind = 'int' | 'ints' | 'float' | 'floats' | 'string' | 'strings' | 'tensor';

export type AttrValue = number | readonly number[] | string | readonly string[] | Tensor;

/** A raw attribute as a frontend decodes it, before it meets a schema. */
export interface RawAttr {
  readonly kind: AttrKind;
  readonly value: AttrValue;
}

export interface AttrSpec<T> {
  readonly kind: AttrKind;
  /** `undefined` with `required: false` means "absent" is a legal, distinct state. */
  readonly default: T | undefined;
  readonly required: boolean;
  /** Extra legality check on the parsed value, returning an error message or undefined. */
  check?(value: T): string | undefined;
}

export type AttrSchema = Readonly<Record<string, AttrSpec<unknown>>>;

/** The typed attribute object an op's schema describes. */
export type AttrsOf<S extends AttrSchema> = {
  readonly [K in keyof S]: S[K] extends AttrSpec<infer T> ? (S[K]['required'] extends true ? T : T) : never;
};

function spec<T>(kind: AttrKind, def: T | undefined, required: boolean, check?: (v: T) => string | undefined): AttrSpec<T> {
  return check === undefined ? { kind, default: def, required } : { kind, default: def, required, check };
}

/** Attribute spec constructors: `attr.int(1)` has default 1; `attr.int()` is required. */
export const attr = {
  int: (def?: number, check?: (v: number) => string | undefined) => spec<number>('int', def, def === undefined, check),
  float: (def?: number) => spec<number>('float', def, def === undefined),
  string: <T extends string = string>(def?: T, allowed?: readonly T[]) =>
    spec<T>(
      'string',
      def,
      def === undefined,
      allowed === undefined ? undefined : (v) => (allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`),
    ),
  ints: (def?: readonly number[]) => spec<readonly number[]>('ints', def, def === undefined),
  floats: (def?: readonly number[]) => spec<readonly number[]>('floats', def, def === undefined),
  strings: (def?: readonly string[]) => spec<readonly string[]>('strings', def, def === undefined),
  tensor: () => spec<Tensor>('tensor', undefined, true),
  /** Present or absent, with no default: the op treats absence specially. */
  optionalInts: () => spec<readonly number[] | undefined>('ints', undefined, false),
  optionalFloat: () => spec<number | undefined>('float', undefined, false),
  optionalInt: () => spec<number | undefined>('int', undefined, false),
  optionalTensor: () => spec<Tensor | undefined>('tensor', undefined, false),
} as const;

/**
 * Parses raw attributes against a schema. Unknown attributes are refused rather than ignored,
 * since silently dropping one (a `ceil_mode`, an `auto_pad`) would give a wrong answer.
 */
export function parseAttrs<S extends AttrSchema>(schema: S, raw: ReadonlyMap<string, RawAttr>, op: string): AttrsOf<S> {
  for (const name of raw.keys()) {
    if (!(name in schema)) {
      throw new PimcError('unsupported-attribute', `${op} has no attribute '${name}' that pimc understands`, {
        notes: [`known attributes: ${Object.keys(schema).join(', ') || '(none)'}`],
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema)) {
    const given = raw.get(name);
    if (given === undefined) {
      if (s.required) throw new PimcError('invalid-attribute', `${op} needs attribute '${name}'`);
      out[name] = s.default;
      continue;
    }
    if (given.kind !== s.kind) {
      throw new PimcError('invalid-attribute', `${op} attribute '${name}' should be ${s.kind} but is ${given.kind}`);
    }
    const message = s.check?.(given.value);
    if (message !== undefined) {
      throw new PimcError('invalid-attribute', `${op} attribute '${name}' = ${JSON.stringify(given.value)}: ${message}`);
    }
    out[name] = Array.isArray(given.value) ? Object.freeze([...(given.value as unknown[])]) : given.value;
  }
  return Object.freeze(out) as AttrsOf<S>;
}

/** The default attribute object of a schema (every attribute absent). */
export function defaultAttrs<S extends AttrSchema>(schema: S, op: string): AttrsOf<S> {
  return parseAttrs(schema, new Map(), op);
}

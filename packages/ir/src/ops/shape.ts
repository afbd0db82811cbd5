import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import type { DType } from '../dtype.js';
import { defineOp, required, type InferInput, type OpSchema, type TensorType } from '../op-schema.js';
import { isStatic, normalizeAxis, type Dim, type Shape } from '../shape.js';
import { requireDType } from './elementwise.js';

/**
 * Shape and data-movement ops. Each output shape comes from one helper below, used both by shape
 * inference (where dims may be symbolic) and by the executor's kernels (where they are numbers), so
 * the two cannot disagree. A dim that cannot be known statically is written `?`.
 */

const INDEX_DTYPES: readonly DType[] = ['int64', 'int32'];

/** The values of a constant integer operand (shape, axes, pads, ...), or undefined when not constant. */
function constantInts(input: InferInput | undefined, op: string, operand: string): number[] | undefined {
  if (input === undefined) return undefined;
  requireDType(input, INDEX_DTYPES, op, operand);
  return input.value?.toNumbers();
}

/** Length of a 1-D operand when its shape says, for rank-only inference. */
function lengthOf(input: InferInput | undefined): number | undefined {
  const d = input?.shape?.length === 1 ? input.shape[0] : undefined;
  return typeof d === 'number' ? d : undefined;
}

const unknownDims = (rank: number): Dim[] => new Array<Dim>(rank).fill('?');

function formatDims(dims: readonly (Dim | number)[]): string {
  return `[${dims.join(', ')}]`;
}

/** Normalizes axes against `rank`, refusing duplicates. */
export function normalizeAxes(axes: readonly number[], rank: number, what: string): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, what));
  if (new Set(out).size !== out.length) {
    throw new PimcError('invalid-attribute', `${what}: axes ${formatDims(axes)} repeat an axis`);
  }
  return out;
}

/** Product of dims: a number when all are known, the one symbol when it stands alone, else `?`. */
export function productDim(dims: readonly Dim[]): Dim {
  let n = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else symbols.push(d);
  }
  if (symbols.length === 0 || n === 0) return n;
  return symbols.length === 1 && n === 1 ? symbols[0]! : '?';
}

// ---------------------------------------------------------------------------------------------
// Reshape

/**
 * Reshape's target: 0 copies the input dim (unless `allowzero`), -1 takes what is left. Symbolic
 * input dims cancel against the same symbols copied into the output, so `[N, 3, 4] → [0, -1]` gives
 * `[N, 12]`.
 */
export function reshapeShape(input: Shape, target: readonly number[], allowzero: boolean): Dim[] {
  const what = `Reshape of ${formatDims(input)} to ${formatDims(target)}`;
  let inferAt = -1;
  const out: Dim[] = target.map((t, i) => {
    if (!Number.isInteger(t) || t < -1) throw new PimcError('invalid-input', `${what}: ${t} is not a valid dimension`);
    if (t === -1) {
      if (inferAt >= 0) throw new PimcError('invalid-input', `${what}: more than one -1`);
      inferAt = i;
      return -1;
    }
    if (t === 0 && !allowzero) {
      if (i >= input.length) throw new PimcError('invalid-input', `${what}: 0 at position ${i} has no input dim to copy`);
      return input[i]!;
    }
    return t;
  });
  if (allowzero && inferAt >= 0 && target.includes(0)) {
    throw new PimcError('invalid-input', `${what}: with allowzero, 0 and -1 cannot appear together`);
  }
  const inSize = splitProduct(input);
  if (inferAt < 0) {
    const outSize = splitProduct(out);
    if (inSize.symbols.length === 0 && outSize.symbols.length === 0 && inSize.n !== outSize.n) {
      throw new PimcError('shape-mismatch', `${what}: ${inSize.n} elements cannot become ${outSize.n}`);
    }
    return out;
  }
  const others = splitProduct(out.filter((_, i) => i !== inferAt));
  // Cancel symbols present on both sides; what remains of the input decides the inferred dim.
  const rest = [...inSize.symbols];
  for (const s of others.symbols) {
    const k = rest.indexOf(s);
    if (k < 0) {
      out[inferAt] = '?';
      return out;
    }
    rest.splice(k, 1);
  }
  if (rest.length === 0) {
    if (others.n === 0 || inSize.n % others.n !== 0) {
      throw new PimcError('shape-mismatch', `${what}: ${inSize.n} elements do not divide into dims of product ${others.n}`);
    }
    out[inferAt] = inSize.n / others.n;
  } else {
    out[inferAt] = rest.length === 1 && inSize.n === others.n ? rest[0]! : '?';
  }
  return out;
}

/** Numeric product and leftover symbols of a shape ('?' counts as a symbol that never cancels). */
function splitProduct(dims: readonly Dim[]): { n: number; symbols: string[] } {
  let n = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else symbols.push(d === '?' ? `?${symbols.length}\u0000` : d);
  }
  return { n, symbols };
}

export const Reshape = defineOp({
  name: 'Reshape',
  category: 'shape',
  summary: 'the data under a new shape (0 copies a dim unless allowzero, -1 is inferred)',
  inputs: [{ name: 'data' }, { name: 'shape' }],
  outputs: ['reshaped'],
  attrs: { allowzero: attr.int(0) },
  infer: (inputs, attrs) => {
    const data = required(inputs, 0, 'Reshape', 'data');
    const shapeInput = required(inputs, 1, 'Reshape', 'shape');
    const target = constantInts(shapeInput, 'Reshape', 'shape');
    if (target === undefined) {
      const rank = lengthOf(shapeInput);
      return [{ dtype: data.dtype, shape: rank === undefined ? undefined : unknownDims(rank) }];
    }
    if (data.shape === undefined) {
      // Only literal dims are knowable without the input shape.
      const dims = target.map((t) => (t > 0 || (t === 0 && attrs.allowzero !== 0) ? t : '?'));
      return [{ dtype: data.dtype, shape: dims }];
    }
    return [{ dtype: data.dtype, shape: reshapeShape(data.shape, target, attrs.allowzero !== 0) }];
  },
});
export type ReshapeAttrs = AttrsOf<typeof Reshape.attrs>;

// ---------------------------------------------------------------------------------------------
// Flatten

/** Flatten's 2-D result: dims before `axis` multiplied, then the rest. */
export function flattenShape(input: Shape, axis: number): Dim[] {
  const a = axis < 0 ? axis + input.length : axis;
  if (!Number.isInteger(a) || a < 0 || a > input.length) {
    throw new PimcError('invalid-attribute', `Flatten: axis ${axis} is out of range for rank ${input.length}`);
  }
  return [productDim(input.slice(0, a)), productDim(input.slice(a))];
}

export const Flatten = defineOp({
  name: 'Flatten',
  category: 'shape',
  summary: 'a 2-D view: dims before axis form the rows, the rest the columns',
  inputs: [{ name: 'input' }],
  outputs: ['output'],
  attrs: { axis: attr.int(1) },
  infer: (inputs, attrs) => {
    const x = required(inputs, 0, 'Flatten', 'input');
    return [{ dtype: x.dtype, shape: x.shape === undefined ? ['?', '?'] : flattenShape(x.shape, attrs.axis) }];
  },
});
export type FlattenAttrs = AttrsOf<typeof Flatten.attrs>;

// ---------------------------------------------------------------------------------------------
// Transpose

/** The permutation Transpose applies: `perm`, or reversed axes when absent; checked to be one. */
export function transposePerm(rank: number, perm: readonly number[] | undefined): number[] {
  if (perm === undefined) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const seen = new Set<number>();
  const ok = perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank && !seen.has(p) && seen.add(p));
  if (!ok) throw new PimcError('invalid-attribute', `Transpose: perm ${formatDims(perm)} is not a permutation of ${rank} axes`);
  return [...perm];
}

export const Transpose = defineOp({
  name: 'Transpose',
  category: 'shape',
  summary: 'permutes the axes (reverses them when perm is absent)',
  inputs: [{ name: 'data' }],
  outputs: ['transposed'],
  attrs: { perm: attr.optionalInts() },
  infer: (inputs, attrs) => {
    const x = required(inputs, 0, 'Transpose', 'data');
    if (x.shape === undefined) {
      return [{ dtype: x.dtype, shape: attrs.perm === undefined ? undefined : unknownDims(attrs.perm.length) }];
    }
    const shape = x.shape;
    return [{ dtype: x.dtype, shape: transposePerm(shape.length, attrs.perm).map((p) => shape[p]!) }];
  },
});
export type TransposeAttrs = AttrsOf<typeof Transpose.attrs>;

// ---------------------------------------------------------------------------------------------
// Squeeze / Unsqueeze

/**
 * Squeeze's result: the listed axes removed (each must be 1), or every dim of size 1 when `axes` is
 * absent. Undefined when that depends on symbolic dims.
 */
export function squeezeShape(input: Shape, axes: readonly number[] | undefined): Dim[] | undefined {
  if (axes === undefined) {
    if (!isStatic(input)) return undefined;
    return input.filter((d) => d !== 1);
  }
  const drop = normalizeAxes(axes, input.length, 'Squeeze');
  for (const a of drop) {
    const d = input[a]!;
    if (typeof d === 'number' && d !== 1) {
      throw new PimcError('shape-mismatch', `Squeeze: axis ${a} of ${formatDims(input)} has size ${d}, not 1`);
    }
  }
  return input.filter((_, i) => !drop.includes(i));
}

export const Squeeze = defineOp({
  name: 'Squeeze',
  category: 'shape',
  summary: 'removes size-1 axes (the listed ones, or all)',
  inputs: [{ name: 'data' }, { name: 'axes', optional: true }],
  outputs: ['squeezed'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Squeeze', 'data');
    const axesInput = inputs[1];
    const axes = constantInts(axesInput, 'Squeeze', 'axes');
    if (axesInput !== undefined && axes === undefined) {
      const k = lengthOf(axesInput);
      return [{ dtype: x.dtype, shape: x.shape === undefined || k === undefined ? undefined : unknownDims(x.shape.length - k) }];
    }
    return [{ dtype: x.dtype, shape: x.shape === undefined ? undefined : squeezeShape(x.shape, axes) }];
  },
});

/** Unsqueeze's result: size-1 dims inserted at `axes` (positions in the output, any order, negative allowed). */
export function unsqueezeShape(input: Shape, axes: readonly number[]): Dim[] {
  const rank = input.length + axes.length;
  const at = normalizeAxes(axes, rank, 'Unsqueeze');
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(at.includes(i) ? 1 : input[k++]!);
  return out;
}

export const Unsqueeze = defineOp({
  name: 'Unsqueeze',
  category: 'shape',
  summary: 'inserts size-1 axes at the given output positions',
  inputs: [{ name: 'data' }, { name: 'axes' }],
  outputs: ['expanded'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Unsqueeze', 'data');
    const axesInput = required(inputs, 1, 'Unsqueeze', 'axes');
    const axes = constantInts(axesInput, 'Unsqueeze', 'axes');
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    if (axes === undefined) {
      const k = lengthOf(axesInput);
      return [{ dtype: x.dtype, shape: k === undefined ? undefined : unknownDims(x.shape.length + k) }];
    }
    return [{ dtype: x.dtype, shape: unsqueezeShape(x.shape, axes) }];
  },
});

// ---------------------------------------------------------------------------------------------
// Concat

/** Concat's result: equal dims off the axis, summed dims along it. */
export function concatShape(shapes: readonly Shape[], axis: number): Dim[] {
  const first = shapes[0]!;
  const a = normalizeAxis(axis, first.length, 'Concat');
  const out: Dim[] = [...first];
  for (const s of shapes.slice(1)) {
    if (s.length !== first.length) {
      throw new PimcError(
        'shape-mismatch',
        `Concat: inputs of rank ${first.length} and ${s.length} (${formatDims(first)}, ${formatDims(s)})`,
      );
    }
    s.forEach((d, i) => {
      const o = out[i]!;
      if (i === a) {
        out[i] = typeof o === 'number' && typeof d === 'number' ? o + d : '?';
      } else if (typeof o === 'number' && typeof d === 'number') {
        if (o !== d) {
          throw new PimcError(
            'shape-mismatch',
            `Concat along axis ${a}: ${formatDims(first)} and ${formatDims(s)} differ on axis ${i}`,
          );
        }
      } else if (typeof o !== 'number' && typeof d === 'number') {
        out[i] = d;
      }
    });
  }
  return out;
}

export const Concat = defineOp({
  name: 'Concat',
  category: 'shape',
  summary: 'joins the inputs along axis',
  inputs: [{ name: 'inputs', variadic: true }],
  outputs: ['concat_result'],
  attrs: { axis: attr.int() },
  infer: (inputs, attrs) => {
    const present = inputs.filter((x): x is InferInput => x !== undefined);
    const first = required(present, 0, 'Concat', 'inputs');
    for (const x of present) {
      if (x.dtype !== first.dtype) {
        throw new PimcError(
          'invalid-input',
          `Concat inputs must share one dtype, got ${present.map((p) => p.dtype).join(' and ')}`,
        );
      }
    }
    const shapes = present.map((x) => x.shape);
    if (shapes.every((s): s is Shape => s !== undefined)) return [{ dtype: first.dtype, shape: concatShape(shapes, attrs.axis) }];
    const rank = shapes.find((s) => s !== undefined)?.length;
    return [{ dtype: first.dtype, shape: rank === undefined ? undefined : unknownDims(rank) }];
  },
});
export type ConcatAttrs = AttrsOf<typeof Concat.attrs>;

// ---------------------------------------------------------------------------------------------
// Split

/**
 * Sizes of Split's parts along its axis: the `split` operand when given, else `count` parts of
 * ceil(dim / count) with a smaller last part (opset 18's rule; it agrees with older opsets whenever
 * those were legal, i.e. when the dim divides evenly).
 */
export function splitSizes(dim: number, count: number, split: readonly number[] | undefined): number[] {
  if (split !== undefined) {
    const total = split.reduce((a, b) => a + b, 0);
    if (split.some((s) => !Number.isInteger(s) || s < 0) || total !== dim) {
      throw new PimcError('invalid-input', `Split: sizes ${formatDims(split)} do not split a dim of ${dim}`);
    }
    if (split.length !== count) {
      throw new PimcError('invalid-input', `Split: ${split.length} sizes given for ${count} outputs`);
    }
    return [...split];
  }
  if (!Number.isInteger(count) || count < 1) throw new PimcError('invalid-attribute', `Split: cannot split into ${count} parts`);
  const part = Math.ceil(dim / count);
  const sizes = new Array<number>(count).fill(part);
  sizes[count - 1] = dim - part * (count - 1);
  if (sizes[count - 1]! < 0) {
    throw new PimcError('invalid-input', `Split: a dim of ${dim} cannot be split into ${count} parts of ${part}`);
  }
  return sizes;
}

export const Split = defineOp({
  name: 'Split',
  category: 'shape',
  summary: 'cuts the input along axis into parts (sizes from `split`, or num_outputs near-equal parts)',
  inputs: [{ name: 'input' }, { name: 'split', optional: true }],
  outputs: ['outputs'],
  attrs: { axis: attr.int(0), num_outputs: attr.optionalInt() },
  outputCount: (attrs, inputs) => {
    const split = inputs[1];
    if (split !== undefined && attrs.num_outputs !== undefined) {
      throw new PimcError('invalid-attribute', 'Split takes either a split input or num_outputs, not both');
    }
    if (attrs.num_outputs !== undefined) return attrs.num_outputs;
    const n = split?.value?.size ?? lengthOf(split);
    if (n === undefined) {
      throw new PimcError('invalid-input', 'Split needs num_outputs or a split input of known length to tell its output count');
    }
    return n;
  },
  infer: (inputs, attrs, count) => {
    const x = required(inputs, 0, 'Split', 'input');
    const split = constantInts(inputs[1], 'Split', 'split');
    if (x.shape === undefined) return new Array<TensorType>(count).fill({ dtype: x.dtype, shape: undefined });
    const shape = x.shape;
    const axis = normalizeAxis(attrs.axis, shape.length, 'Split');
    const dim = shape[axis]!;
    const knowable = typeof dim === 'number' && (split !== undefined || inputs[1] === undefined);
    const sizes: Dim[] = knowable ? splitSizes(dim, count, split) : new Array<Dim>(count).fill('?');
    return sizes.map((s) => ({ dtype: x.dtype, shape: shape.map((d, i) => (i === axis ? s : d)) }));
  },
});
export type SplitAttrs = AttrsOf<typeof Split.attrs>;

// ---------------------------------------------------------------------------------------------
// Slice

/** One sliced axis: its first index, step and number of elements taken. */
export interface SliceRange {
  readonly axis: number;
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** Slice's raw per-axis request, axes normalized (starts/ends still unclamped). */
export interface SliceRequest {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** Pairs starts/ends with axes (default 0..n-1) and steps (default 1), checking lengths and steps. */
export function sliceRequests(
  rank: number,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[] | undefined,
  steps: readonly number[] | undefined,
): SliceRequest[] {
  const n = starts.length;
  if (ends.length !== n || (axes !== undefined && axes.length !== n) || (steps !== undefined && steps.length !== n)) {
    throw new PimcError(
      'invalid-input',
      `Slice: starts, ends, axes and steps must have one length (got ${n}, ${ends.length}, ${axes?.length ?? '-'}, ${steps?.length ?? '-'})`,
    );
  }
  const axisList = normalizeAxes(axes ?? Array.from({ length: n }, (_, i) => i), rank, 'Slice');
  return axisList.map((axis, i) => {
    const step = steps?.[i] ?? 1;
    if (step === 0 || !Number.isFinite(step)) throw new PimcError('invalid-input', `Slice: step ${step} on axis ${axis}`);
    return { axis, start: starts[i]!, end: ends[i]!, step };
  });
}

/**
 * Clamps one axis's start/end to a dim as ONNX does: negatives count from the end, positive steps
 * clamp into [0, dim], negative ones into [-1, dim - 1] (so INT64_MAX and INT64_MIN mean "to the end").
 */
export function resolveSlice(dim: number, r: SliceRequest): SliceRange {
  let start = r.start < 0 ? r.start + dim : r.start;
  let end = r.end < 0 ? r.end + dim : r.end;
  let count: number;
  if (r.step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    count = Math.max(0, Math.ceil((end - start) / r.step));
  } else {
    start = Math.min(Math.max(start, 0), dim - 1);
    end = Math.min(Math.max(end, -1), dim - 1);
    count = Math.max(0, Math.ceil((start - end) / -r.step));
  }
  return { axis: r.axis, start: count === 0 ? 0 : start, step: r.step, count };
}

export function sliceShape(input: Shape, requests: readonly SliceRequest[]): Dim[] {
  const out: Dim[] = [...input];
  for (const r of requests) {
    const d = input[r.axis]!;
    out[r.axis] = typeof d === 'number' ? resolveSlice(d, r).count : '?';
  }
  return out;
}

export const Slice = defineOp({
  name: 'Slice',
  category: 'shape',
  summary: 'takes start:end:step along the given axes (clamped like Python slices)',
  inputs: [
    { name: 'data' },
    { name: 'starts' },
    { name: 'ends' },
    { name: 'axes', optional: true },
    { name: 'steps', optional: true },
  ],
  outputs: ['output'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Slice', 'data');
    const starts = constantInts(required(inputs, 1, 'Slice', 'starts'), 'Slice', 'starts');
    const ends = constantInts(required(inputs, 2, 'Slice', 'ends'), 'Slice', 'ends');
    const axes = constantInts(inputs[3], 'Slice', 'axes');
    const steps = constantInts(inputs[4], 'Slice', 'steps');
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    const shape = x.shape;
    const known =
      starts !== undefined &&
      ends !== undefined &&
      (inputs[3] === undefined || axes !== undefined) &&
      (inputs[4] === undefined || steps !== undefined);
    if (!known) {
      // Axes not sliced keep their dims, when the axes are known.
      if (axes === undefined && inputs[3] !== undefined) return [{ dtype: x.dtype, shape: unknownDims(shape.length) }];
      const sliced = normalizeAxes(
        axes ?? Array.from({ length: lengthOf(inputs[1]) ?? shape.length }, (_, i) => i),
        shape.length,
        'Slice',
      );
      return [{ dtype: x.dtype, shape: shape.map((d, i) => (sliced.includes(i) ? '?' : d)) }];
    }
    return [{ dtype: x.dtype, shape: sliceShape(shape, sliceRequests(shape.length, starts, ends, axes, steps)) }];
  },
});

// ---------------------------------------------------------------------------------------------
// Gather

/** Gather's result: data's dims with the axis replaced by the indices' dims. */
export function gatherShape(data: Shape, indices: Shape, axis: number): Dim[] {
  const a = normalizeAxis(axis, data.length, 'Gather');
  return [...data.slice(0, a), ...indices, ...data.slice(a + 1)];
}

export const Gather = defineOp({
  name: 'Gather',
  category: 'shape',
  summary: 'picks entries of data along axis by (possibly negative) indices',
  inputs: [{ name: 'data' }, { name: 'indices' }],
  outputs: ['output'],
  attrs: { axis: attr.int(0) },
  infer: (inputs, attrs) => {
    const data = required(inputs, 0, 'Gather', 'data');
    const indices = required(inputs, 1, 'Gather', 'indices');
    requireDType(indices, INDEX_DTYPES, 'Gather', 'indices');
    if (data.shape === undefined || indices.shape === undefined) return [{ dtype: data.dtype, shape: undefined }];
    return [{ dtype: data.dtype, shape: gatherShape(data.shape, indices.shape, attrs.axis) }];
  },
});
export type GatherAttrs = AttrsOf<typeof Gather.attrs>;

// ---------------------------------------------------------------------------------------------
// Pad

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/** Per-axis pads (negative ones crop) from the `pads` operand, `[begins..., ends...]` over `axes`. */
export function padAmounts(
  rank: number,
  pads: readonly number[],
  axes: readonly number[] | undefined,
): { begin: number[]; end: number[] } {
  const axisList = normalizeAxes(axes ?? Array.from({ length: rank }, (_, i) => i), rank, 'Pad');
  const k = axisList.length;
  if (pads.length !== 2 * k || pads.some((p) => !Number.isInteger(p))) {
    throw new PimcError(
      'invalid-input',
      `Pad: pads ${formatDims(pads)} should hold ${2 * k} integers (begins then ends of ${k} axes)`,
    );
  }
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axisList.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[i + k]!;
  });
  return { begin, end };
}

export function padShape(input: Shape, begin: readonly number[], end: readonly number[]): Dim[] {
  return input.map((d, i) => {
    if (begin[i] === 0 && end[i] === 0) return d;
    if (typeof d !== 'number') return '?';
    const n = d + begin[i]! + end[i]!;
    if (n < 0) throw new PimcError('invalid-input', `Pad: axis ${i} of size ${d} cannot lose ${-(begin[i]! + end[i]!)} elements`);
    return n;
  });
}

export const Pad = defineOp({
  name: 'Pad',
  category: 'shape',
  summary: 'pads (or, with negative pads, crops) along axes; constant, reflect, edge or wrap',
  inputs: [{ name: 'data' }, { name: 'pads' }, { name: 'constant_value', optional: true }, { name: 'axes', optional: true }],
  outputs: ['output'],
  attrs: { mode: attr.string<PadMode>('constant', ['constant', 'reflect', 'edge', 'wrap']) },
  infer: (inputs) => {
    const x = required(inputs, 0, 'Pad', 'data');
    const pads = constantInts(required(inputs, 1, 'Pad', 'pads'), 'Pad', 'pads');
    const axes = constantInts(inputs[3], 'Pad', 'axes');
    const value = inputs[2];
    if (value !== undefined && value.dtype !== x.dtype) {
      throw new PimcError('invalid-input', `Pad constant_value is ${value.dtype} but data is ${x.dtype}`);
    }
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    const shape = x.shape;
    if (pads === undefined || (inputs[3] !== undefined && axes === undefined)) {
      if (axes === undefined) return [{ dtype: x.dtype, shape: unknownDims(shape.length) }];
      const padded = normalizeAxes(axes, shape.length, 'Pad');
      return [{ dtype: x.dtype, shape: shape.map((d, i) => (padded.includes(i) ? '?' : d)) }];
    }
    const { begin, end } = padAmounts(shape.length, pads, axes);
    return [{ dtype: x.dtype, shape: padShape(shape, begin, end) }];
  },
});
export type PadAttrs = AttrsOf<typeof Pad.attrs>;

// ---------------------------------------------------------------------------------------------
// Shape, ConstantOfShape

/** The [start, end) range of dims Shape reports, clamped into [0, rank]. */
export function shapeRange(rank: number, start: number, end: number | undefined): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const s = clamp(start);
  const e = end === undefined ? rank : clamp(end);
  return [s, Math.max(s, e)];
}

export const ShapeOp = defineOp({
  name: 'Shape',
  category: 'shape',
  summary: "the input's dims [start, end) as an int64 vector",
  inputs: [{ name: 'data' }],
  outputs: ['shape'],
  attrs: { start: attr.int(0), end: attr.optionalInt() },
  infer: (inputs, attrs) => {
    const x = required(inputs, 0, 'Shape', 'data');
    if (x.shape === undefined) return [{ dtype: 'int64', shape: ['?'] }];
    const [s, e] = shapeRange(x.shape.length, attrs.start, attrs.end);
    return [{ dtype: 'int64', shape: [e - s] }];
  },
});
export type ShapeAttrs = AttrsOf<typeof ShapeOp.attrs>;

/** The one-element tensor ConstantOfShape fills with: its `value`, or float32 zero. */
export function fillValueType(value: { readonly dtype: DType; readonly size: number } | undefined): DType {
  if (value === undefined) return 'float32';
  if (value.size !== 1) {
    throw new PimcError('invalid-attribute', `ConstantOfShape value must hold one element, not ${value.size}`);
  }
  return value.dtype;
}

export const ConstantOfShape = defineOp({
  name: 'ConstantOfShape',
  category: 'shape',
  summary: 'a tensor of the given shape filled with one value (default float32 0)',
  inputs: [{ name: 'input' }],
  outputs: ['output'],
  attrs: { value: attr.optionalTensor() },
  infer: (inputs, attrs) => {
    const shapeInput = required(inputs, 0, 'ConstantOfShape', 'input');
    requireDType(shapeInput, ['int64'], 'ConstantOfShape', 'input');
    const dtype = fillValueType(attrs.value);
    const dims = shapeInput.value?.toNumbers();
    if (dims === undefined) {
      const rank = lengthOf(shapeInput);
      return [{ dtype, shape: rank === undefined ? undefined : unknownDims(rank) }];
    }
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new PimcError('invalid-input', `ConstantOfShape: ${formatDims(dims)} is not a shape`);
    }
    return [{ dtype, shape: dims }];
  },
});
export type ConstantOfShapeAttrs = AttrsOf<typeof ConstantOfShape.attrs>;

export const shapeOps: readonly OpSchema[] = [
  Reshape,
  Flatten,
  Transpose,
  Squeeze,
  Unsqueeze,
  Concat,
  Split,
  Slice,
  Gather,
  Pad,
  ShapeOp,
  ConstantOfShape,
];

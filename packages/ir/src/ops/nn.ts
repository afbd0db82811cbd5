import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import { isFloat } from '../dtype.js';
import { defineOp, required, type InferInput, type OpSchema, type TensorType } from '../op-schema.js';
import { broadcastShapes, isStatic, normalizeAxis, type Dim, type Shape, type StaticShape } from '../shape.js';
import { windowGeometry, type AutoPad, type WindowGeometry } from './conv-geometry.js';

/**
 * Schemas of the neural-network ops: convolutions, matrix products, normalisation, pooling,
 * softmax, resizing and dropout. Shape math the kernels need (`convGeometry`,
 * `convTransposeGeometry`, `poolGeometry`, `matmulShapes`, `resizePlan`) lives here too, so
 * inference and execution share one definition.
 */

const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
const autoPadAttr = () => attr.string<AutoPad>('NOTSET', AUTO_PADS);

function requireFloat(input: InferInput, op: string, name: string): void {
  if (!isFloat(input.dtype)) throw new PimcError('invalid-input', `${op} takes a float ${name}, not ${input.dtype}`);
}

function sameDType(a: InferInput, b: InferInput | undefined, op: string, names: string): void {
  if (b !== undefined && a.dtype !== b.dtype) {
    throw new PimcError('invalid-input', `${op}: ${names} must share one dtype, got ${a.dtype} and ${b.dtype}`);
  }
}

function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

function checkRank(shape: Shape, min: number, op: string, name: string): void {
  if (shape.length < min) {
    throw new PimcError('shape-mismatch', `${op}: ${name} must have rank ≥ ${min}, got [${shape.join(', ')}]`);
  }
}

interface WindowOptions {
  strides: readonly number[];
  dilations: readonly number[];
  pads: readonly number[];
  autoPad: string;
  ceilMode?: boolean;
  what: string;
}

/**
 * Output spatial sizes of a sliding window. A symbolic input axis gives an unknown output axis
 * (`?`) without hiding the axes that are known, hence the per-axis evaluation.
 */
function windowOutput(spatial: readonly Dim[], kernel: readonly number[] | undefined, o: WindowOptions): Dim[] {
  if (kernel === undefined) return spatial.map(() => '?');
  if (isStatic(spatial)) return [...windowGeometry(spatial, kernel, o).output];
  const n = spatial.length;
  const pick = (values: readonly number[], i: number) => (values.length === 0 ? undefined : [values[i]!]);
  return spatial.map((d, i) => {
    if (typeof d !== 'number') return '?';
    const pads = o.pads.length === 0 ? undefined : [o.pads[i]!, o.pads[i + n]!];
    return windowGeometry([d], [kernel[i]!], {
      strides: pick(o.strides, i),
      dilations: pick(o.dilations, i),
      pads,
      autoPad: o.autoPad,
      ceilMode: o.ceilMode,
      what: o.what,
    }).output[0]!;
  });
}

// ---------------------------------------------------------------------------------------------
// Conv

export const Conv = defineOp({
  name: 'Conv',
  category: 'nn',
  summary: 'N-D convolution (cross-correlation) with groups, dilations, strides and padding',
  inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
  outputs: ['Y'],
  attrs: {
    auto_pad: autoPadAttr(),
    dilations: attr.ints([]),
    group: attr.int(1, (v) => (v >= 1 ? undefined : 'must be ≥ 1')),
    kernel_shape: attr.ints([]),
    pads: attr.ints([]),
    strides: attr.ints([]),
  },
  infer: (inputs, a) => {
    const x = required(inputs, 0, 'Conv', 'X');
    const w = required(inputs, 1, 'Conv', 'W');
    requireFloat(x, 'Conv', 'X');
    sameDType(x, w, 'Conv', 'X and W');
    sameDType(x, inputs[2], 'Conv', 'X and B');
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    checkRank(x.shape, 3, 'Conv', 'X');
    const n = x.shape.length - 2;
    const kernel = resolveKernel(a.kernel_shape, w.shape, n, 'Conv');
    const m = w.shape?.[0] ?? '?';
    checkConvChannels(x.shape[1]!, w.shape, m, a.group, 'Conv');
    checkBias(inputs[2], m, 'Conv');
    const spatial = windowOutput(x.shape.slice(2), kernel, {
      strides: a.strides,
      dilations: a.dilations,
      pads: a.pads,
      autoPad: a.auto_pad,
      what: 'Conv',
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...spatial] }];
  },
  macs: (inputs, outputs) => {
    const w = inputs[1]?.shape;
    const y = outputs[0]?.shape;
    if (w === undefined || y === undefined || !isStatic(w) || !isStatic(y)) return 0;
    // Every output element takes (C / group) · prod(kernel) products.
    return product(y) * product(w.slice(1));
  },
});
export type ConvAttrs = AttrsOf<typeof Conv.attrs>;

function resolveKernel(attrKernel: readonly number[], w: Shape | undefined, n: number, op: string): number[] | undefined {
  if (w !== undefined && w.length !== n + 2) {
    throw new PimcError('shape-mismatch', `${op}: W has rank ${w.length} but X has ${n} spatial dims`);
  }
  if (attrKernel.length > 0) {
    if (attrKernel.length !== n) {
      throw new PimcError(
        'invalid-attribute',
        `${op}: kernel_shape [${attrKernel.join(', ')}] has ${attrKernel.length} dims, expected ${n}`,
      );
    }
    const fromW = w?.slice(2);
    if (fromW !== undefined && fromW.some((d, i) => typeof d === 'number' && d !== attrKernel[i])) {
      throw new PimcError('shape-mismatch', `${op}: kernel_shape [${attrKernel.join(', ')}] disagrees with W [${w!.join(', ')}]`);
    }
    return [...attrKernel];
  }
  const fromW = w?.slice(2);
  return fromW !== undefined && isStatic(fromW) ? [...fromW] : undefined;
}

function checkConvChannels(c: Dim, w: Shape | undefined, m: Dim, group: number, op: string): void {
  const cg = w?.[1];
  if (typeof c === 'number' && typeof cg === 'number' && c !== cg * group) {
    throw new PimcError('shape-mismatch', `${op}: X has ${c} channels but W expects ${cg} per group × ${group} groups`);
  }
  if (typeof m === 'number' && m % group !== 0) {
    throw new PimcError('shape-mismatch', `${op}: ${m} output channels do not divide into ${group} groups`);
  }
}

function checkBias(b: InferInput | undefined, m: Dim, op: string): void {
  const shape = b?.shape;
  if (shape === undefined) return;
  if (shape.length !== 1 || (typeof m === 'number' && typeof shape[0] === 'number' && shape[0] !== m)) {
    throw new PimcError('shape-mismatch', `${op}: bias must have shape [${m}], got [${shape.join(', ')}]`);
  }
}

export interface ConvGeometry {
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly group: number;
  readonly inSpatial: readonly number[];
  readonly window: WindowGeometry;
  readonly outShape: StaticShape;
}

/** Resolved geometry of a Conv on concrete shapes (X [N, C, ...], W [M, C/group, ...]). */
export function convGeometry(x: StaticShape, w: StaticShape, a: ConvAttrs): ConvGeometry {
  checkRank(x, 3, 'Conv', 'X');
  const n = x.length - 2;
  const kernel = resolveKernel(a.kernel_shape, w, n, 'Conv')!;
  checkConvChannels(x[1]!, w, w[0]!, a.group, 'Conv');
  const inSpatial = x.slice(2);
  const window = windowGeometry(inSpatial, kernel, {
    strides: a.strides,
    dilations: a.dilations,
    pads: a.pads,
    autoPad: a.auto_pad,
    what: 'Conv',
  });
  return {
    batch: x[0]!,
    inChannels: x[1]!,
    outChannels: w[0]!,
    group: a.group,
    inSpatial,
    window,
    outShape: [x[0]!, w[0]!, ...window.output],
  };
}

// ---------------------------------------------------------------------------------------------
// ConvTranspose

const convTransposeAttrs = {
  auto_pad: autoPadAttr(),
  dilations: attr.ints([]),
  group: attr.int(1, (v) => (v >= 1 ? undefined : 'must be ≥ 1')),
  kernel_shape: attr.ints([]),
  output_padding: attr.ints([]),
  output_shape: attr.ints([]),
  pads: attr.ints([]),
  strides: attr.ints([]),
};
export type ConvTransposeAttrs = AttrsOf<typeof convTransposeAttrs>;

export const ConvTranspose = defineOp({
  name: 'ConvTranspose',
  category: 'nn',
  summary: 'N-D transposed convolution (the gradient of Conv) with groups, dilations, output padding and shape',
  inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
  outputs: ['Y'],
  attrs: convTransposeAttrs,
  infer: (inputs, a) => {
    const x = required(inputs, 0, 'ConvTranspose', 'X');
    const w = required(inputs, 1, 'ConvTranspose', 'W');
    requireFloat(x, 'ConvTranspose', 'X');
    sameDType(x, w, 'ConvTranspose', 'X and W');
    sameDType(x, inputs[2], 'ConvTranspose', 'X and B');
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    checkRank(x.shape, 3, 'ConvTranspose', 'X');
    const n = x.shape.length - 2;
    const kernel = resolveKernel(a.kernel_shape, w.shape, n, 'ConvTranspose');
    const c = x.shape[1]!;
    const c0 = w.shape?.[0];
    if (typeof c === 'number' && typeof c0 === 'number' && c !== c0) {
      throw new PimcError('shape-mismatch', `ConvTranspose: X has ${c} channels but W has ${c0} input channels`);
    }
    if (typeof c === 'number' && c % a.group !== 0) {
      throw new PimcError('shape-mismatch', `ConvTranspose: ${c} input channels do not divide into ${a.group} groups`);
    }
    const mg = w.shape?.[1];
    const m: Dim = typeof mg === 'number' ? mg * a.group : '?';
    checkBias(inputs[2], m, 'ConvTranspose');
    const inSpatial = x.shape.slice(2);
    let spatial: Dim[];
    if (kernel !== undefined && isStatic(inSpatial)) {
      spatial = [...convTransposeGeometry(inSpatial, kernel, a).output];
    } else {
      const explicit = outputShapeAttr(a.output_shape, n);
      spatial = explicit !== undefined ? [...explicit] : inSpatial.map(() => '?');
    }
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...spatial] }];
  },
  macs: (inputs) => {
    const x = inputs[0]?.shape;
    const w = inputs[1]?.shape;
    if (x === undefined || w === undefined || !isStatic(x) || !isStatic(w)) return 0;
    // Every input element scatters into (M / group) · prod(kernel) outputs.
    return product(x) * product(w.slice(1));
  },
});

/** `output_shape` as spatial sizes; some exporters write the full [N, C, ...] shape. */
function outputShapeAttr(values: readonly number[], n: number): readonly number[] | undefined {
  if (values.length === 0) return undefined;
  if (values.length === n) return values;
  if (values.length === n + 2) return values.slice(2);
  throw new PimcError('invalid-attribute', `ConvTranspose: output_shape [${values.join(', ')}] should have ${n} spatial dims`);
}

export interface ConvTransposeGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Begin pads per spatial axis: output position of input i, tap k is `i·stride + k·dilation − padBegin`. */
  readonly padsBegin: readonly number[];
  readonly output: readonly number[];
}

/**
 * Placement and output size of a transposed convolution. With `output_shape` or SAME auto padding
 * the pads follow from the target size (ONNX's rule: SAME_UPPER puts the smaller half first, the
 * others the larger half); a negative total (a target larger than the full result) pads at the end.
 */
export function convTransposeGeometry(
  inSpatial: readonly number[],
  kernel: readonly number[],
  a: ConvTransposeAttrs,
): ConvTransposeGeometry {
  const n = inSpatial.length;
  const what = 'ConvTranspose';
  const fill = (values: readonly number[], def: number, name: string): number[] => {
    if (values.length === 0) return new Array<number>(n).fill(def);
    if (values.length !== n) {
      throw new PimcError('invalid-attribute', `${what}: ${name} [${values.join(', ')}] should have ${n} values`);
    }
    return [...values];
  };
  const strides = fill(a.strides, 1, 'strides');
  const dilations = fill(a.dilations, 1, 'dilations');
  const outputPadding = fill(a.output_padding, 0, 'output_padding');
  for (const [name, values] of [
    ['strides', strides],
    ['dilations', dilations],
    ['kernel_shape', kernel],
  ] as const) {
    if (values.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new PimcError('invalid-attribute', `${what}: ${name} must be positive integers, got [${values.join(', ')}]`);
    }
  }
  outputPadding.forEach((p, i) => {
    if (p < 0 || (p >= strides[i]! && p >= dilations[i]!)) {
      throw new PimcError(
        'invalid-attribute',
        `${what}: output_padding ${p} must be smaller than stride ${strides[i]} or dilation ${dilations[i]}`,
      );
    }
  });
  const full = inSpatial.map((x, i) => strides[i]! * (x - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1);
  const target = outputShapeAttr(a.output_shape, n);
  const same = a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER';
  const explicitPads = a.auto_pad === 'NOTSET' && a.pads.length > 0;
  if (explicitPads && a.pads.length !== 2 * n) {
    throw new PimcError('invalid-attribute', `${what}: pads [${a.pads.join(', ')}] should have ${2 * n} values`);
  }
  if (a.pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new PimcError('invalid-attribute', `${what}: pads must be non-negative integers, got [${a.pads.join(', ')}]`);
  }
  let padsBegin: number[];
  let output: number[];
  if (explicitPads) {
    padsBegin = a.pads.slice(0, n);
    output = target !== undefined ? [...target] : full.map((f, i) => f - a.pads[i]! - a.pads[i + n]!);
  } else if (same || target !== undefined) {
    output = target !== undefined ? [...target] : inSpatial.map((x, i) => x * strides[i]!);
    padsBegin = output.map((o, i) => {
      const total = Math.max(0, full[i]! - o);
      const small = Math.floor(total / 2);
      return a.auto_pad === 'SAME_UPPER' ? small : total - small;
    });
  } else {
    padsBegin = new Array<number>(n).fill(0);
    output = full;
  }
  if (output.some((o) => !Number.isInteger(o) || o < 1)) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: output size [${output.join(', ')}] is empty or invalid (input [${inSpatial.join(', ')}])`,
    );
  }
  return { kernel, strides, dilations, padsBegin, output };
}

// ---------------------------------------------------------------------------------------------
// Gemm and MatMul

const gemmAttrs = {
  alpha: attr.float(1),
  beta: attr.float(1),
  transA: attr.int(0),
  transB: attr.int(0),
};
export type GemmAttrs = AttrsOf<typeof gemmAttrs>;

export const Gemm = defineOp({
  name: 'Gemm',
  category: 'nn',
  summary: 'alpha · op(A) · op(B) + beta · C, op transposing per transA/transB, C broadcast to [M, N]',
  inputs: [{ name: 'A' }, { name: 'B' }, { name: 'C', optional: true }],
  outputs: ['Y'],
  attrs: gemmAttrs,
  infer: (inputs, a) => {
    const x = required(inputs, 0, 'Gemm', 'A');
    const y = required(inputs, 1, 'Gemm', 'B');
    sameDType(x, y, 'Gemm', 'A and B');
    sameDType(x, inputs[2], 'Gemm', 'A and C');
    const dims = gemmDims(x.shape, y.shape, a);
    if (dims === undefined) {
      return [{ dtype: x.dtype, shape: [x.shape?.[a.transA ? 1 : 0] ?? '?', y.shape?.[a.transB ? 0 : 1] ?? '?'] }];
    }
    const c = inputs[2]?.shape;
    if (c !== undefined && typeof dims.m === 'number' && typeof dims.n === 'number') {
      const out = broadcastShapes([c, [dims.m, dims.n]], 'Gemm');
      if (out.length !== 2 || out[0] !== dims.m || out[1] !== dims.n) {
        throw new PimcError('shape-mismatch', `Gemm: C [${c.join(', ')}] does not broadcast to [${dims.m}, ${dims.n}]`);
      }
    }
    return [{ dtype: x.dtype, shape: [dims.m, dims.n] }];
  },
  macs: (inputs, _outputs, a) => {
    const x = inputs[0]?.shape;
    const y = inputs[1]?.shape;
    const dims = gemmDims(x, y, a);
    return dims !== undefined && typeof dims.m === 'number' && typeof dims.n === 'number' && typeof dims.k === 'number'
      ? dims.m * dims.n * dims.k
      : 0;
  },
});

/** M, N and K of a Gemm, checking that A and B are matrices with matching inner dimensions. */
export function gemmDims(a: Shape | undefined, b: Shape | undefined, attrs: GemmAttrs): { m: Dim; n: Dim; k: Dim } | undefined {
  for (const [name, s] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (s !== undefined && s.length !== 2) {
      throw new PimcError('shape-mismatch', `Gemm: ${name} must be a matrix, got shape [${s.join(', ')}]`);
    }
  }
  if (a === undefined || b === undefined) return undefined;
  const [m, ka] = attrs.transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = attrs.transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new PimcError('shape-mismatch', `Gemm: inner dimensions differ, op(A) is [${m}, ${ka}] and op(B) is [${kb}, ${n}]`);
  }
  return { m, n, k: typeof ka === 'number' ? ka : kb };
}

export const MatMul = defineOp({
  name: 'MatMul',
  category: 'nn',
  summary: 'matrix product with numpy semantics (1-D operands promoted, batch dimensions broadcast)',
  inputs: [{ name: 'A' }, { name: 'B' }],
  outputs: ['Y'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'MatMul', 'A');
    const y = required(inputs, 1, 'MatMul', 'B');
    sameDType(x, y, 'MatMul', 'A and B');
    if (x.dtype === 'bool') throw new PimcError('invalid-input', 'MatMul does not take bool tensors');
    if (x.shape === undefined || y.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    return [{ dtype: x.dtype, shape: matmulShapes(x.shape, y.shape).out }];
  },
  macs: (inputs, outputs) => {
    const x = inputs[0]?.shape;
    const y = outputs[0]?.shape;
    if (x === undefined || y === undefined || !isStatic(x) || !isStatic(y) || x.length === 0) return 0;
    return product(y) * x[x.length - 1]!;
  },
});
export type MatMulAttrs = AttrsOf<typeof MatMul.attrs>;

export interface MatMulShapes<D extends Dim = Dim> {
  readonly m: D;
  readonly k: D;
  readonly n: D;
  /** Broadcast batch dimensions (empty for plain matrices). */
  readonly batch: readonly D[];
  /** Batch dims of A and B, left-padded with 1s to the length of `batch`. */
  readonly batchA: readonly D[];
  readonly batchB: readonly D[];
  /** Result shape, with the promoted 1-D axes removed again. */
  readonly out: readonly D[];
}

/** numpy.matmul shapes: a 1-D A is a row [1, K], a 1-D B a column [K, 1], the added axis dropped after. */
export function matmulShapes(a: StaticShape, b: StaticShape): MatMulShapes<number>;
export function matmulShapes(a: Shape, b: Shape): MatMulShapes;
export function matmulShapes(a: Shape, b: Shape): MatMulShapes {
  if (a.length === 0 || b.length === 0) {
    throw new PimcError('shape-mismatch', `MatMul: operands must have rank ≥ 1, got [${a.join(', ')}] and [${b.join(', ')}]`);
  }
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const m = a2[a2.length - 2]!;
  const ka = a2[a2.length - 1]!;
  const kb = b2[b2.length - 2]!;
  const n = b2[b2.length - 1]!;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new PimcError('shape-mismatch', `MatMul: inner dimensions differ in [${a.join(', ')}] × [${b.join(', ')}]`);
  }
  const ba = a2.slice(0, -2);
  const bb = b2.slice(0, -2);
  const batch = broadcastShapes([ba, bb], 'MatMul');
  const pad = (s: readonly Dim[]) => [...new Array<Dim>(batch.length - s.length).fill(1), ...s];
  const out: Dim[] = [...batch];
  if (a.length !== 1) out.push(m);
  if (b.length !== 1) out.push(n);
  return { m, k: typeof ka === 'number' ? ka : kb, n, batch, batchA: pad(ba), batchB: pad(bb), out };
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

export const BatchNormalization = defineOp({
  name: 'BatchNormalization',
  category: 'nn',
  summary: 'per-channel (X − mean) / sqrt(var + epsilon) · scale + B; batch statistics in training mode',
  inputs: [{ name: 'X' }, { name: 'scale' }, { name: 'B' }, { name: 'input_mean' }, { name: 'input_var' }],
  outputs: ['Y', 'running_mean?', 'running_var?'],
  attrs: {
    epsilon: attr.float(1e-5),
    momentum: attr.float(0.9),
    training_mode: attr.int(0),
  },
  infer: (inputs, _a, count) => {
    const x = required(inputs, 0, 'BatchNormalization', 'X');
    requireFloat(x, 'BatchNormalization', 'X');
    const c = x.shape === undefined ? undefined : x.shape.length >= 2 ? x.shape[1]! : 1;
    ['scale', 'B', 'input_mean', 'input_var'].forEach((name, i) => {
      const p = required(inputs, i + 1, 'BatchNormalization', name);
      requireFloat(p, 'BatchNormalization', name);
      const s = p.shape;
      if (s !== undefined && (s.length !== 1 || (typeof c === 'number' && typeof s[0] === 'number' && s[0] !== c))) {
        throw new PimcError('shape-mismatch', `BatchNormalization: ${name} must have shape [${c ?? 'C'}], got [${s.join(', ')}]`);
      }
    });
    const mean = required(inputs, 3, 'BatchNormalization', 'input_mean');
    const stat: TensorType = { dtype: mean.dtype, shape: c === undefined ? undefined : [c] };
    return [{ dtype: x.dtype, shape: x.shape }, stat, stat].slice(0, Math.max(1, count));
  },
});
export type BatchNormalizationAttrs = AttrsOf<typeof BatchNormalization.attrs>;

// ---------------------------------------------------------------------------------------------
// Pooling

const windowAttrs = () => ({
  auto_pad: autoPadAttr(),
  ceil_mode: attr.int(0),
  dilations: attr.ints([]),
  kernel_shape: attr.ints(),
  pads: attr.ints([]),
  strides: attr.ints([]),
});
const maxPoolAttrs = { ...windowAttrs(), storage_order: attr.int(0) };
const averagePoolAttrs = { ...windowAttrs(), count_include_pad: attr.int(0) };
export type MaxPoolAttrs = AttrsOf<typeof maxPoolAttrs>;
export type AveragePoolAttrs = AttrsOf<typeof averagePoolAttrs>;

export const MaxPool = defineOp({
  name: 'MaxPool',
  category: 'nn',
  summary: 'maximum over sliding windows; optional flat argmax indices',
  inputs: [{ name: 'X' }],
  outputs: ['Y', 'Indices?'],
  attrs: maxPoolAttrs,
  infer: (inputs, a, count) => {
    const x = required(inputs, 0, 'MaxPool', 'X');
    if (!isFloat(x.dtype) && x.dtype !== 'int8' && x.dtype !== 'uint8') {
      throw new PimcError('invalid-input', `MaxPool takes float, int8 or uint8 tensors, not ${x.dtype}`);
    }
    const shape = poolShape(x.shape, a, 'MaxPool');
    const out: TensorType[] = [{ dtype: x.dtype, shape }];
    if (count > 1) out.push({ dtype: 'int64', shape });
    return out;
  },
});

export const AveragePool = defineOp({
  name: 'AveragePool',
  category: 'nn',
  summary: 'mean over sliding windows, padding counted or not per count_include_pad',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: averagePoolAttrs,
  infer: (inputs, a) => {
    const x = required(inputs, 0, 'AveragePool', 'X');
    requireFloat(x, 'AveragePool', 'X');
    return [{ dtype: x.dtype, shape: poolShape(x.shape, a, 'AveragePool') }];
  },
});

type PoolAttrs = MaxPoolAttrs | AveragePoolAttrs;

function poolShape(x: Shape | undefined, a: PoolAttrs, op: string): Shape | undefined {
  if (x === undefined) return undefined;
  checkRank(x, 3, op, 'X');
  if (a.kernel_shape.length !== x.length - 2) {
    throw new PimcError(
      'invalid-attribute',
      `${op}: kernel_shape [${a.kernel_shape.join(', ')}] does not match input rank ${x.length}`,
    );
  }
  const spatial = windowOutput(x.slice(2), a.kernel_shape, {
    strides: a.strides,
    dilations: a.dilations,
    pads: a.pads,
    autoPad: a.auto_pad,
    ceilMode: a.ceil_mode !== 0,
    what: op,
  });
  return [x[0]!, x[1]!, ...spatial];
}

/** Resolved window geometry of a pooling op on a concrete input shape. */
export function poolGeometry(x: StaticShape, a: PoolAttrs, op: string): WindowGeometry {
  checkRank(x, 3, op, 'X');
  return windowGeometry(x.slice(2), a.kernel_shape, {
    strides: a.strides,
    dilations: a.dilations,
    pads: a.pads,
    autoPad: a.auto_pad,
    ceilMode: a.ceil_mode !== 0,
    what: op,
  });
}

const globalPool = (name: string, summary: string) =>
  defineOp({
    name,
    category: 'nn',
    summary,
    inputs: [{ name: 'X' }],
    outputs: ['Y'],
    attrs: {},
    infer: (inputs) => {
      const x = required(inputs, 0, name, 'X');
      requireFloat(x, name, 'X');
      if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
      checkRank(x.shape, 2, name, 'X');
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
    },
  });

export const GlobalAveragePool = globalPool('GlobalAveragePool', 'mean over all spatial positions per channel');
export const GlobalMaxPool = globalPool('GlobalMaxPool', 'maximum over all spatial positions per channel');

// ---------------------------------------------------------------------------------------------
// LRN, Softmax, LogSoftmax

export const LRN = defineOp({
  name: 'LRN',
  category: 'nn',
  summary: 'local response normalisation across nearby channels',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: {
    alpha: attr.float(1e-4),
    beta: attr.float(0.75),
    bias: attr.float(1),
    size: attr.int(undefined, (v) => (v >= 1 ? undefined : 'must be ≥ 1')),
  },
  infer: (inputs) => {
    const x = required(inputs, 0, 'LRN', 'X');
    requireFloat(x, 'LRN', 'X');
    if (x.shape !== undefined) checkRank(x.shape, 2, 'LRN', 'X');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});
export type LRNAttrs = AttrsOf<typeof LRN.attrs>;

const softmaxLike = (name: string, summary: string) =>
  defineOp({
    name,
    category: 'nn',
    summary,
    inputs: [{ name: 'input' }],
    outputs: ['output'],
    attrs: { axis: attr.int(-1) },
    infer: (inputs, a) => {
      const x = required(inputs, 0, name, 'input');
      requireFloat(x, name, 'input');
      if (x.shape !== undefined) normalizeAxis(a.axis, x.shape.length, name);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
  });

export const Softmax = softmaxLike('Softmax', 'exp(x) / sum(exp(x)) along one axis');
export const LogSoftmax = softmaxLike('LogSoftmax', 'x − log(sum(exp(x))) along one axis');
export type SoftmaxAttrs = AttrsOf<typeof Softmax.attrs>;

// ---------------------------------------------------------------------------------------------
// Resize

const COORDINATE_MODES = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
  'tf_crop_and_resize',
] as const;
export type CoordinateTransformationMode = (typeof COORDINATE_MODES)[number];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
export type NearestMode = (typeof NEAREST_MODES)[number];
const RESIZE_MODES = ['nearest', 'linear', 'cubic'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];
const ASPECT_POLICIES = ['stretch', 'not_larger', 'not_smaller'] as const;

const resizeAttrs = {
  antialias: attr.int(0),
  axes: attr.ints([]),
  coordinate_transformation_mode: attr.string<CoordinateTransformationMode>('half_pixel', COORDINATE_MODES),
  cubic_coeff_a: attr.float(-0.75),
  exclude_outside: attr.int(0),
  extrapolation_value: attr.float(0),
  keep_aspect_ratio_policy: attr.string<(typeof ASPECT_POLICIES)[number]>('stretch', ASPECT_POLICIES),
  mode: attr.string<ResizeMode>('nearest', RESIZE_MODES),
  nearest_mode: attr.string<NearestMode>('round_prefer_floor', NEAREST_MODES),
};
export type ResizeAttrs = AttrsOf<typeof resizeAttrs>;

export const Resize = defineOp({
  name: 'Resize',
  category: 'nn',
  summary: 'resamples spatial (or any) axes by scales or to sizes: nearest, linear or cubic',
  inputs: [{ name: 'X' }, { name: 'roi', optional: true }, { name: 'scales', optional: true }, { name: 'sizes', optional: true }],
  outputs: ['Y'],
  attrs: resizeAttrs,
  infer: (inputs, a) => {
    const x = required(inputs, 0, 'Resize', 'X');
    checkResizeSupport(a);
    if (a.mode !== 'nearest') requireFloat(x, `Resize (${a.mode})`, 'X');
    const scales = presentOperand(inputs[2]);
    const sizes = presentOperand(inputs[3]);
    if (scales !== undefined && sizes !== undefined && scales.shape !== undefined && sizes.shape !== undefined) {
      throw new PimcError('invalid-input', 'Resize takes scales or sizes, not both');
    }
    if (scales === undefined && sizes === undefined) {
      throw new PimcError('invalid-input', 'Resize needs scales or sizes');
    }
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    const given = (scales ?? sizes)!.value;
    const xShape = x.shape;
    const commonScaleOverSymbol =
      sizes !== undefined &&
      a.keep_aspect_ratio_policy !== 'stretch' &&
      resizeAxes(a.axes, xShape.length).some((i) => typeof xShape[i] !== 'number');
    if (given === undefined || commonScaleOverSymbol) return [{ dtype: x.dtype, shape: unknownResizeShape(xShape, a) }];
    // Symbolic axes (a batch N) are planned as size 1 and keep their symbol when scale 1 leaves them be.
    const plan = resizePlan(
      x.shape.map((d) => (typeof d === 'number' ? d : 1)),
      scales === undefined ? undefined : given.toNumbers(),
      sizes === undefined ? undefined : given.toNumbers(),
      a,
    );
    const shape = x.shape.map((d, i) =>
      typeof d === 'number'
        ? plan.outShape[i]!
        : scales !== undefined && plan.scales[i] === 1
          ? d
          : sizes !== undefined && a.keep_aspect_ratio_policy === 'stretch'
            ? plan.outShape[i]!
            : '?',
    );
    return [{ dtype: x.dtype, shape }];
  },
});

/** An optional operand that is really there: ONNX writes "absent" as no input or an empty tensor. */
function presentOperand(input: InferInput | undefined): InferInput | undefined {
  if (input === undefined) return undefined;
  const s = input.shape;
  if (s !== undefined && s.some((d) => d === 0)) return undefined;
  return input;
}

function checkResizeSupport(a: ResizeAttrs): void {
  if (a.coordinate_transformation_mode === 'tf_crop_and_resize') {
    throw new PimcError('unsupported-attribute', "Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
  }
  if (a.antialias !== 0 && a.mode !== 'nearest') {
    throw new PimcError('unsupported-attribute', 'Resize: antialias is not supported');
  }
}

/** Output shape when the sizes or scales are only known at run time: the rank, and untouched axes. */
function unknownResizeShape(x: Shape, a: ResizeAttrs): Shape {
  const out: Dim[] = [...x];
  for (const axis of resizeAxes(a.axes, x.length)) out[axis] = '?';
  return out;
}

function resizeAxes(axes: readonly number[], rank: number): number[] {
  if (axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const out = axes.map((a) => normalizeAxis(a, rank, 'Resize'));
  if (new Set(out).size !== out.length) {
    throw new PimcError('invalid-attribute', `Resize: axes [${axes.join(', ')}] repeat an axis`);
  }
  return out;
}

export interface ResizePlan {
  readonly outShape: readonly number[];
  /** Scale per axis (output / input, as the coordinate transformations use it). */
  readonly scales: readonly number[];
}

/**
 * Output shape and per-axis scales of a Resize. With scales the output is floor(in · scale); with
 * sizes, the scale is size / in (or one common scale under keep_aspect_ratio_policy).
 */
export function resizePlan(
  x: StaticShape,
  scales: readonly number[] | undefined,
  sizes: readonly number[] | undefined,
  a: ResizeAttrs,
): ResizePlan {
  const rank = x.length;
  const axes = resizeAxes(a.axes, rank);
  const given = scales ?? sizes;
  if (given === undefined) throw new PimcError('invalid-input', 'Resize needs scales or sizes');
  if (given.length !== axes.length) {
    throw new PimcError(
      'shape-mismatch',
      `Resize: ${scales !== undefined ? 'scales' : 'sizes'} has ${given.length} values for ${axes.length} axes of input [${x.join(', ')}]`,
    );
  }
  const outShape = [...x];
  const axisScales = new Array<number>(rank).fill(1);
  if (scales !== undefined) {
    axes.forEach((axis, i) => {
      const s = scales[i]!;
      if (!(s > 0)) throw new PimcError('invalid-input', `Resize: scale ${s} on axis ${axis} must be positive`);
      axisScales[axis] = s;
      outShape[axis] = Math.floor(x[axis]! * s);
    });
  } else {
    const ratios = axes.map((axis, i) => sizes![i]! / x[axis]!);
    if (a.keep_aspect_ratio_policy === 'stretch') {
      axes.forEach((axis, i) => {
        axisScales[axis] = ratios[i]!;
        outShape[axis] = sizes![i]!;
      });
    } else {
      const s = a.keep_aspect_ratio_policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const axis of axes) {
        axisScales[axis] = s;
        outShape[axis] = roundHalfEven(s * x[axis]!);
      }
    }
  }
  if (outShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new PimcError('invalid-input', `Resize: invalid output shape [${outShape.join(', ')}]`);
  }
  return { outShape, scales: axisScales };
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

// ---------------------------------------------------------------------------------------------
// Dropout

export const Dropout = defineOp({
  name: 'Dropout',
  category: 'nn',
  summary: 'identity at inference (random zeroing in training, which pimc does not run)',
  inputs: [{ name: 'data' }, { name: 'ratio', optional: true }, { name: 'training_mode', optional: true }],
  outputs: ['output', 'mask?'],
  attrs: { seed: attr.optionalInt() },
  infer: (inputs, _a, count) => {
    const x = required(inputs, 0, 'Dropout', 'data');
    const training = inputs[2]?.value;
    const ratio = inputs[1]?.value;
    if (training !== undefined && training.size > 0 && training.data[0] !== 0 && (ratio === undefined || ratio.data[0] !== 0)) {
      throw new PimcError('unsupported-attribute', 'Dropout in training mode (random masking) is not supported');
    }
    const out: TensorType[] = [{ dtype: x.dtype, shape: x.shape }];
    if (count > 1) out.push({ dtype: 'bool', shape: x.shape });
    return out;
  },
});
export type DropoutAttrs = AttrsOf<typeof Dropout.attrs>;

export const nnOps: readonly OpSchema[] = [
  Conv,
  ConvTranspose,
  Gemm,
  MatMul,
  BatchNormalization,
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  GlobalMaxPool,
  LRN,
  Softmax,
  LogSoftmax,
  Resize,
  Dropout,
];

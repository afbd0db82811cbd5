import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import { integerRange, isFloat, type DType } from '../dtype.js';
import type { Node } from '../graph.js';
import { defineOp, required, type InferInput, type OpSchema, type TensorType } from '../op-schema.js';
import { broadcastShapes, formatShape, isStatic, type Dim, type Shape, type StaticShape } from '../shape.js';
import { windowGeometry, type WindowGeometry } from './conv-geometry.js';

/*
 * pimc's quantized dialect (docs/design/quantized-dialect.md): the integer layers the quantize pass
 * produces and the crossbar lowering consumes, plus the float marker of a fused activation. The exact
 * integer arithmetic is defined by the kernels in @pimc/executor (kernels/pim); this file holds the
 * operand and attribute legality and the shape math those kernels share with inference.
 *
 * Requantization, common to every op that changes scale: an exact integer `v` (an accumulator, or a
 * weighted sum of two operands) becomes `clamp(y_zero_point + ((v · mult + 2^(shift−1)) >> shift),
 * y_min, y_max)`, round half up with the exact 64-bit integer meaning; `mult` is a 24-bit integer
 * (below 2^24), `shift` in [0, 63]. The float scales an op was built from (`x_scale`, `w_scale`,
 * `y_scale`, …) are carried for reports only: no kernel reads them.
 */

/** The activation types of the dialect. */
export type QuantizedDType = 'uint8' | 'int8';
export const QUANTIZED_ACTIVATION_DTYPES: readonly QuantizedDType[] = ['uint8', 'int8'];

/** Largest multiplier (exclusive): multipliers are 24-bit integers. */
export const MULTIPLIER_LIMIT = 2 ** 24;
/** Largest shift: 63 keeps every shift meaningful for a 64-bit product. */
export const MAX_SHIFT = 63;

/** Fused activations the dialect knows; `none` for a layer without one. */
const ACTIVATIONS = ['none', 'relu', 'clip'] as const;
export type FusedActivationKind = (typeof ACTIVATIONS)[number];

function fail(code: 'invalid-input' | 'invalid-attribute' | 'shape-mismatch', message: string): never {
  throw new PimcError(code, message);
}

function requireQuantized(input: InferInput, what: string, operand: string): void {
  if (input.dtype !== 'uint8' && input.dtype !== 'int8') {
    fail('invalid-input', `${what}: ${operand} must be uint8 or int8, not ${input.dtype}`);
  }
}

function requireDType(input: InferInput, dtype: DType, what: string, operand: string): void {
  if (input.dtype !== dtype) fail('invalid-input', `${what}: ${operand} must be ${dtype}, not ${input.dtype}`);
}

/** A zero point or clamp bound must be an integer of the dtype's range. */
function checkInRange(value: number, dtype: DType, what: string, name: string): void {
  const [lo, hi] = integerRange(dtype);
  if (!Number.isInteger(value) || value < lo || value > hi) {
    fail('invalid-attribute', `${what}: ${name} = ${value} is not a ${dtype} value (${lo} to ${hi})`);
  }
}

/** Typed attributes from a pass skip the schema's string check, so the dtype is checked here. */
function checkDType(dtype: string, what: string): void {
  if (!(QUANTIZED_ACTIVATION_DTYPES as readonly string[]).includes(dtype)) {
    fail('invalid-attribute', `${what}: y_dtype ${dtype} is not one of ${QUANTIZED_ACTIVATION_DTYPES.join(', ')}`);
  }
}

/** `mult` (24-bit) and `shift` ([0, 63]) of one requantization. */
function checkMultiplier(mult: number, shift: number, what: string, where: string): void {
  if (!Number.isInteger(mult) || mult < 0 || mult >= MULTIPLIER_LIMIT) {
    fail('invalid-attribute', `${what}: multiplier${where} = ${mult} must be an integer in [0, 2^24)`);
  }
  if (!Number.isInteger(shift) || shift < 0 || shift > MAX_SHIFT) {
    fail('invalid-attribute', `${what}: shift${where} = ${shift} must be an integer in [0, ${MAX_SHIFT}]`);
  }
}

/** Per-output-channel lists: one value per channel, or a single value for all. */
function checkPerChannel(values: readonly number[], channels: Dim | undefined, what: string, name: string): void {
  const ok = values.length === 1 || typeof channels !== 'number' || values.length === channels;
  if (!ok || values.length === 0) {
    fail('invalid-attribute', `${what}: ${name} has ${values.length} values but the layer has ${channels} output channels`);
  }
}

/** The checks every requantizing op shares: output dtype, zero point, clamp bounds. */
function checkOutput(
  a: { y_dtype: QuantizedDType; y_zero_point: number; y_min: number; y_max: number; activation: FusedActivationKind },
  what: string,
): void {
  checkDType(a.y_dtype, what);
  if (!ACTIVATIONS.includes(a.activation)) {
    fail('invalid-attribute', `${what}: activation '${a.activation}' is not one of ${ACTIVATIONS.join(', ')}`);
  }
  checkInRange(a.y_zero_point, a.y_dtype, what, 'y_zero_point');
  checkInRange(a.y_min, a.y_dtype, what, 'y_min');
  checkInRange(a.y_max, a.y_dtype, what, 'y_max');
  if (a.y_min > a.y_max) fail('invalid-attribute', `${what}: y_min ${a.y_min} exceeds y_max ${a.y_max}`);
}

/** Per-channel multipliers and shifts, with their lengths checked against the channel count. */
function checkChannelRequant(
  multiplier: readonly number[],
  shift: readonly number[],
  channels: Dim | undefined,
  what: string,
): void {
  checkPerChannel(multiplier, channels, what, 'multiplier');
  checkPerChannel(shift, channels, what, 'shift');
  multiplier.forEach((m, i) => checkMultiplier(m, shift[shift.length === 1 ? 0 : i]!, what, `[${i}]`));
}

/** The bias operand: int32, one value per output channel. */
function checkBias(bias: InferInput | undefined, channels: Dim | undefined, what: string): void {
  if (bias === undefined) return;
  requireDType(bias, 'int32', what, 'B');
  const shape = bias.shape;
  if (shape === undefined) return;
  if (shape.length !== 1 || (typeof channels === 'number' && typeof shape[0] === 'number' && shape[0] !== channels)) {
    fail(
      'shape-mismatch',
      `${what}: B of shape ${formatShape(shape)} must be 1-D with one value per output channel (${channels})`,
    );
  }
}

const dtypeAttr = () => attr.string<QuantizedDType>('uint8', QUANTIZED_ACTIVATION_DTYPES);
const activationAttr = () => attr.string<FusedActivationKind>('none', ACTIVATIONS);

/**
 * How a crossbar layer is encoded on an analog chip, set by the RAELLA passes (algorithms.md §3)
 * and read by the lowering; empty lists leave the chip's defaults. The integer meaning of the layer
 * does not depend on them: they only change which column sums an ADC sees.
 */
const crossbarEncodingAttrs = () => ({
  /** Weight slice widths, most significant first, adding up to 8 (raella-slice). */
  weight_slices: attr.ints([]),
  /** Center+Offset centers (raella-encode), int8-domain integers, [M][⌈depth / center_rows⌉] flattened. */
  weight_centers: attr.ints([]),
  /** The crossbar row-tile height the centers were computed for (0: no centers). */
  center_rows: attr.int(0),
  /** Speculative input slice widths, most significant first (raella-speculate); empty: none. */
  input_speculation: attr.ints([]),
});
type CrossbarEncodingAttrs = AttrsOf<ReturnType<typeof crossbarEncodingAttrs>>;

/** Slice widths: integers in [1, 8] adding up to 8 bits (or no list at all). */
function checkSliceList(slices: readonly number[], what: string, name: string): void {
  if (slices.length === 0) return;
  const sum = slices.reduce((a, b) => a + b, 0);
  if (slices.some((s) => !Number.isInteger(s) || s < 1 || s > 8) || sum !== 8) {
    fail('invalid-attribute', `${what}: ${name} [${slices.join(', ')}] must be slice widths of 1 to 8 bits adding up to 8`);
  }
}

/** The RAELLA encoding attributes against the weight matrix: M channels, `depth` im2col rows per group. */
function checkCrossbarEncoding(a: CrossbarEncodingAttrs, w: InferInput, what: string): void {
  checkSliceList(a.weight_slices, what, 'weight_slices');
  checkSliceList(a.input_speculation, what, 'input_speculation');
  if (a.weight_centers.length === 0) return;
  if (!Number.isInteger(a.center_rows) || a.center_rows < 1) {
    fail('invalid-attribute', `${what}: weight_centers are given but center_rows is ${a.center_rows}, not a positive row count`);
  }
  if (a.weight_centers.some((c) => !Number.isInteger(c) || c < -128 || c > 127)) {
    fail('invalid-attribute', `${what}: weight_centers must be int8 integers`);
  }
  const shape = w.shape;
  if (shape === undefined || !isStatic(shape)) return;
  const depth = shape.slice(1).reduce((p, d) => p * d, 1);
  const expected = shape[0]! * Math.ceil(depth / a.center_rows);
  if (a.weight_centers.length !== expected) {
    fail(
      'invalid-attribute',
      `${what}: ${a.weight_centers.length} weight_centers, expected ${expected} (${shape[0]} channels × ⌈${depth} rows / ${a.center_rows}⌉ row tiles)`,
    );
  }
}

/** Attributes of the output side of every requantizing layer. */
const outputAttrs = () => ({
  y_dtype: dtypeAttr(),
  y_zero_point: attr.int(),
  /** Clamp bounds: the dtype's range narrowed by a fused activation (ReLU: y_min = y_zero_point). */
  y_min: attr.int(),
  y_max: attr.int(),
  /** The fused activation the bounds come from, for reports and lowering. */
  activation: activationAttr(),
  /** Report only. */
  y_scale: attr.float(),
});

// ---------------------------------------------------------------------------------------------
// PimQConv

const qconvAttrs = {
  /** Explicit geometry: pads (begins, then ends), strides, dilations; the kernel is W's. */
  pads: attr.ints(),
  strides: attr.ints(),
  dilations: attr.ints(),
  group: attr.int(1, (v) => (Number.isInteger(v) && v >= 1 ? undefined : 'must be a positive integer')),
  x_zero_point: attr.int(),
  /** One 24-bit multiplier and shift per output channel (or one for all). */
  multiplier: attr.ints(),
  shift: attr.ints(),
  ...outputAttrs(),
  ...crossbarEncodingAttrs(),
  /** Report only. */
  x_scale: attr.float(),
  w_scale: attr.floats(),
};
export type PimQConvAttrs = AttrsOf<typeof qconvAttrs>;

/** Resolved window geometry of a PimQConv on static spatial sizes (the one definition kernels use). */
export function pimConvWindow(spatial: StaticShape, kernel: StaticShape, a: PimQConvAttrs, what = 'PimQConv'): WindowGeometry {
  return windowGeometry(spatial, kernel, { strides: a.strides, dilations: a.dilations, pads: a.pads, what });
}

/** Output shape `[N, M, ...spatial]` of a PimQConv; a symbolic spatial input size gives `?`. */
export function pimConvShape(x: Shape, w: Shape, a: PimQConvAttrs, what = 'PimQConv'): Dim[] {
  if (x.length < 3) fail('shape-mismatch', `${what}: X must be [N, C, spatial...], got ${formatShape(x)}`);
  if (w.length !== x.length) fail('shape-mismatch', `${what}: W ${formatShape(w)} must have the rank of X ${formatShape(x)}`);
  const rank = x.length - 2;
  if (a.strides.length !== rank || a.dilations.length !== rank || a.pads.length !== 2 * rank) {
    fail(
      'invalid-attribute',
      `${what}: strides [${a.strides.join(', ')}], dilations [${a.dilations.join(', ')}] and pads [${a.pads.join(', ')}] must be explicit for ${rank} spatial axes`,
    );
  }
  const [channels, outChannels, perGroup] = [x[1]!, w[0]!, w[1]!];
  if (typeof channels === 'number' && typeof perGroup === 'number' && channels !== perGroup * a.group) {
    fail(
      'shape-mismatch',
      `${what}: X has ${channels} channels but W ${formatShape(w)} with group ${a.group} expects ${perGroup * a.group}`,
    );
  }
  if (typeof outChannels === 'number' && outChannels % a.group !== 0) {
    fail('shape-mismatch', `${what}: ${outChannels} output channels do not divide into ${a.group} groups`);
  }
  const kernel = w.slice(2);
  const spatial = x.slice(2);
  if (!isStatic(kernel)) return [x[0]!, outChannels, ...spatial.map(() => '?')];
  // A symbolic input size is stood in for by the window extent, so the attributes are still checked.
  const standIn = spatial.map((d, i) => (typeof d === 'number' ? d : (kernel[i]! - 1) * a.dilations[i]! + 1));
  const window = pimConvWindow(standIn, kernel, a, what);
  return [x[0]!, outChannels, ...spatial.map((d, i) => (typeof d === 'number' ? window.output[i]! : '?'))];
}

function macsOf(outputs: readonly TensorType[], w: InferInput | undefined): number {
  const y = outputs[0]?.shape;
  const ws = w?.shape;
  if (y === undefined || ws === undefined || !isStatic(y) || !isStatic(ws)) return 0;
  return y.reduce((p, d) => p * d, 1) * ws.slice(1).reduce((p, d) => p * d, 1);
}

export const PimQConv = defineOp({
  name: 'PimQConv',
  category: 'pim',
  summary: 'integer convolution Σ(x − x_zp)·w + B, requantized per output channel (24-bit multiplier, shift, round half up)',
  inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
  outputs: ['Y'],
  attrs: qconvAttrs,
  infer: (inputs, a) => {
    const what = 'PimQConv';
    const x = required(inputs, 0, what, 'X');
    const w = required(inputs, 1, what, 'W');
    requireQuantized(x, what, 'X');
    requireDType(w, 'int8', what, 'W');
    checkInRange(a.x_zero_point, x.dtype, what, 'x_zero_point');
    const channels = w.shape?.[0];
    checkBias(inputs[2], channels, what);
    checkChannelRequant(a.multiplier, a.shift, channels, what);
    checkPerChannel(a.w_scale, channels, what, 'w_scale');
    checkOutput(a, what);
    checkCrossbarEncoding(a, w, what);
    const shape = x.shape !== undefined && w.shape !== undefined ? pimConvShape(x.shape, w.shape, a) : undefined;
    return [{ dtype: a.y_dtype, shape }];
  },
  macs: (inputs, outputs) => macsOf(outputs, inputs[1]),
});

// ---------------------------------------------------------------------------------------------
// PimQGemm

const qgemmAttrs = {
  x_zero_point: attr.int(),
  multiplier: attr.ints(),
  shift: attr.ints(),
  ...outputAttrs(),
  ...crossbarEncodingAttrs(),
  x_scale: attr.float(),
  w_scale: attr.floats(),
};
export type PimQGemmAttrs = AttrsOf<typeof qgemmAttrs>;

export const PimQGemm = defineOp({
  name: 'PimQGemm',
  category: 'pim',
  summary: 'integer fully connected layer Y[n, m] = Σ_k (X[n, k] − x_zp)·W[m, k] + B[m], requantized per output channel',
  inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
  outputs: ['Y'],
  attrs: qgemmAttrs,
  infer: (inputs, a) => {
    const what = 'PimQGemm';
    const x = required(inputs, 0, what, 'X');
    const w = required(inputs, 1, what, 'W');
    requireQuantized(x, what, 'X');
    requireDType(w, 'int8', what, 'W');
    checkInRange(a.x_zero_point, x.dtype, what, 'x_zero_point');
    if (x.shape !== undefined && x.shape.length !== 2) {
      fail('shape-mismatch', `${what}: X must be [N, K], got ${formatShape(x.shape)}`);
    }
    if (w.shape !== undefined && w.shape.length !== 2) {
      fail('shape-mismatch', `${what}: W must be [M, K], got ${formatShape(w.shape)}`);
    }
    const k1 = x.shape?.[1];
    const k2 = w.shape?.[1];
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
      fail('shape-mismatch', `${what}: X ${formatShape(x.shape)} and W ${formatShape(w.shape)} disagree on K (${k1} vs ${k2})`);
    }
    const channels = w.shape?.[0];
    checkBias(inputs[2], channels, what);
    checkChannelRequant(a.multiplier, a.shift, channels, what);
    checkPerChannel(a.w_scale, channels, what, 'w_scale');
    checkOutput(a, what);
    checkCrossbarEncoding(a, w, what);
    const shape = x.shape === undefined ? undefined : [x.shape[0]!, channels ?? '?'];
    return [{ dtype: a.y_dtype, shape }];
  },
  macs: (inputs, outputs) => macsOf(outputs, inputs[1]),
});

// ---------------------------------------------------------------------------------------------
// PimQAdd

const qaddAttrs = {
  a_zero_point: attr.int(),
  b_zero_point: attr.int(),
  /** y = clamp(y_zp + ((a − a_zp)·a_multiplier + (b − b_zp)·b_multiplier) >> shift rounded half up). */
  a_multiplier: attr.int(),
  b_multiplier: attr.int(),
  shift: attr.int(),
  ...outputAttrs(),
  a_scale: attr.float(),
  b_scale: attr.float(),
};
export type PimQAddAttrs = AttrsOf<typeof qaddAttrs>;

export const PimQAdd = defineOp({
  name: 'PimQAdd',
  category: 'pim',
  summary: 'integer residual add of two quantized tensors (broadcasting), rescaled to the output scale with one shared shift',
  inputs: [{ name: 'A' }, { name: 'B' }],
  outputs: ['C'],
  attrs: qaddAttrs,
  infer: (inputs, a) => {
    const what = 'PimQAdd';
    const x = required(inputs, 0, what, 'A');
    const y = required(inputs, 1, what, 'B');
    requireQuantized(x, what, 'A');
    if (y.dtype !== x.dtype) fail('invalid-input', `${what}: A and B must share one dtype, got ${x.dtype} and ${y.dtype}`);
    checkInRange(a.a_zero_point, x.dtype, what, 'a_zero_point');
    checkInRange(a.b_zero_point, y.dtype, what, 'b_zero_point');
    checkMultiplier(a.a_multiplier, a.shift, what, ' of A');
    checkMultiplier(a.b_multiplier, a.shift, what, ' of B');
    checkOutput(a, what);
    const shape = x.shape !== undefined && y.shape !== undefined ? broadcastShapes([x.shape, y.shape], what) : undefined;
    return [{ dtype: a.y_dtype, shape }];
  },
});

// ---------------------------------------------------------------------------------------------
// PimRequantize

const requantizeAttrs = {
  x_zero_point: attr.int(),
  multiplier: attr.int(),
  shift: attr.int(),
  y_dtype: dtypeAttr(),
  y_zero_point: attr.int(),
  x_scale: attr.float(),
  y_scale: attr.float(),
};
export type PimRequantizeAttrs = AttrsOf<typeof requantizeAttrs>;

export const PimRequantize = defineOp({
  name: 'PimRequantize',
  category: 'pim',
  summary: 'rescale a quantized tensor to another scale and zero point: clamp(y_zp + ((x − x_zp)·mult) >> shift)',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: requantizeAttrs,
  infer: (inputs, a) => {
    const what = 'PimRequantize';
    const x = required(inputs, 0, what, 'X');
    requireQuantized(x, what, 'X');
    checkInRange(a.x_zero_point, x.dtype, what, 'x_zero_point');
    checkDType(a.y_dtype, what);
    checkInRange(a.y_zero_point, a.y_dtype, what, 'y_zero_point');
    checkMultiplier(a.multiplier, a.shift, what, '');
    return [{ dtype: a.y_dtype, shape: x.shape }];
  },
});

// ---------------------------------------------------------------------------------------------
// PimQAvgPool

const qavgPoolAttrs = {
  /** Window attributes with AveragePool's meaning; an empty kernel_shape pools globally. */
  auto_pad: attr.string('NOTSET', ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']),
  ceil_mode: attr.int(0),
  count_include_pad: attr.int(0),
  dilations: attr.ints([]),
  kernel_shape: attr.ints([]),
  pads: attr.ints([]),
  strides: attr.ints([]),
  /** Input and output share one scale and zero point. */
  zero_point: attr.int(),
  scale: attr.float(),
};
export type PimQAvgPoolAttrs = AttrsOf<typeof qavgPoolAttrs>;

/** Resolved geometry of a windowed (non-global) PimQAvgPool, with AveragePool's rules. */
export function pimAvgPoolWindow(spatial: StaticShape, a: PimQAvgPoolAttrs, what = 'PimQAvgPool'): WindowGeometry {
  return windowGeometry(spatial, a.kernel_shape, {
    strides: a.strides,
    dilations: a.dilations,
    pads: a.pads,
    autoPad: a.auto_pad,
    ceilMode: a.ceil_mode !== 0,
    what,
  });
}

export const PimQAvgPool = defineOp({
  name: 'PimQAvgPool',
  category: 'pim',
  summary:
    'integer average pooling: window sum of (x − zp) divided by the tap count, rounded half up (global when kernel_shape is empty)',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: qavgPoolAttrs,
  infer: (inputs, a) => {
    const what = 'PimQAvgPool';
    const x = required(inputs, 0, what, 'X');
    requireQuantized(x, what, 'X');
    checkInRange(a.zero_point, x.dtype, what, 'zero_point');
    if (x.shape === undefined) return [{ dtype: x.dtype, shape: undefined }];
    if (x.shape.length < 3) fail('shape-mismatch', `${what}: X must be [N, C, spatial...], got ${formatShape(x.shape)}`);
    const spatial = x.shape.slice(2);
    if (a.kernel_shape.length === 0) return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...spatial.map(() => 1)] }];
    if (a.kernel_shape.length !== spatial.length) {
      fail(
        'invalid-attribute',
        `${what}: kernel_shape [${a.kernel_shape.join(', ')}] does not match input rank ${x.shape.length}`,
      );
    }
    if (!isStatic(spatial)) return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...spatial.map(() => '?')] }];
    const window = pimAvgPoolWindow(spatial, a, what);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...window.output] }];
  },
});

// ---------------------------------------------------------------------------------------------
// PimFusedActivation (float)

const fusedActivationAttrs = {
  activation: attr.string<'relu' | 'clip'>('relu', ['relu', 'clip']),
  /** Lower and upper bounds; absent means unbounded on that side. */
  min: attr.optionalFloat(),
  max: attr.optionalFloat(),
};
export type PimFusedActivationAttrs = AttrsOf<typeof fusedActivationAttrs>;

export const PimFusedActivation = defineOp({
  name: 'PimFusedActivation',
  category: 'pim',
  summary: 'float min(max(x, min), max) that fuse-activations put right after the layer it belongs to (Relu, ReLU6, Clip)',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: fusedActivationAttrs,
  infer: (inputs, a) => {
    const what = 'PimFusedActivation';
    const x = required(inputs, 0, what, 'X');
    if (!isFloat(x.dtype)) fail('invalid-input', `${what}: X must be a float tensor, not ${x.dtype}`);
    if (a.activation === 'relu' && (a.min !== 0 || a.max !== undefined)) {
      fail('invalid-attribute', `${what}: a relu has min 0 and no max, got min ${a.min} and max ${a.max}`);
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});

/** How the integer result of a dialect op maps back to real numbers: `real = (q − zeroPoint) · scale`. */
export interface OutputQuantization {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly dtype: QuantizedDType;
}

/**
 * The scale and zero point of a dialect op's result, read from its attributes (for error reports);
 * undefined for ops outside the integer dialect.
 */
export function pimOutputQuantization(node: Node): OutputQuantization | undefined {
  const attrs = node.attrs;
  const dtype = node.outputs[0]?.type.dtype as QuantizedDType;
  switch (node.op) {
    case 'PimQConv':
    case 'PimQGemm':
    case 'PimQAdd':
    case 'PimRequantize':
      return { scale: attrs['y_scale'] as number, zeroPoint: attrs['y_zero_point'] as number, dtype };
    case 'PimQAvgPool':
      return { scale: attrs['scale'] as number, zeroPoint: attrs['zero_point'] as number, dtype };
    default:
      return undefined;
  }
}

/** pimc's quantized dialect (docs/design/quantized-dialect.md). */
export const pimOps: readonly OpSchema[] = [PimQConv, PimQGemm, PimQAdd, PimRequantize, PimQAvgPool, PimFusedActivation];

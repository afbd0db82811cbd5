import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import type { DType } from '../dtype.js';
import { defineOp, required, type InferInput, type OpSchema, type TensorType } from '../op-schema.js';
import { broadcastShapes, formatShape, isStatic, normalizeAxis, type Dim, type Shape, type StaticShape } from '../shape.js';
import { windowGeometry } from './conv-geometry.js';
import { dtypeFromOnnxCode } from '../onnx-dtype.js';

/*
 * Quantized ONNX ops with their newest semantics (QuantizeLinear/DequantizeLinear 25, QLinearConv 10,
 * QLinearMatMul 21, ConvInteger 10, MatMulInteger 10). The exact integer arithmetic is defined by the
 * reference kernels in @pimc/executor; this file holds types, legality checks and the shape math those
 * kernels share with inference.
 */

/** Integer types a QuantizeLinear may produce and a DequantizeLinear may read (besides int32). */
const QUANTIZED_DTYPES: readonly DType[] = ['uint8', 'int8', 'uint16', 'int16'];
/** Operand types of the 8-bit integer convolutions and matrix products. */
const INT8_DTYPES: readonly DType[] = ['uint8', 'int8'];

/** The IR dtype an ONNX type code in an attribute (`output_dtype`, `precision`) names, or a clear refusal. */
function dtypeOfAttribute(code: number, what: string, attribute: string): DType {
  return dtypeFromOnnxCode(code, `${what} ${attribute}`);
}

function requireDType(input: InferInput, allowed: readonly DType[], what: string, operand: string): void {
  if (!allowed.includes(input.dtype)) {
    throw new PimcError('invalid-input', `${what}: ${operand} must be ${allowed.join(' or ')}, not ${input.dtype}`);
  }
}

function requireSameDType(zeroPoint: InferInput | undefined, of: InferInput, what: string, zpName: string, ofName: string): void {
  if (zeroPoint !== undefined && zeroPoint.dtype !== of.dtype) {
    throw new PimcError(
      'invalid-input',
      `${what}: ${zpName} must have the type of ${ofName} (${of.dtype}), not ${zeroPoint.dtype}`,
    );
  }
}

/** True when a shape certainly holds one element (a scalar, or all dimensions 1). */
function isSingleElement(shape: Shape): boolean {
  return shape.every((d) => d === 1);
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear / DequantizeLinear granularity

/**
 * How a scale (or zero point) tensor maps onto the elements of the quantized tensor. Parameter index
 * of the element at (outer, a, inner), where `a` runs along the quantization axis, is
 * `outer * outerStride + floor(a / blockSize) * axisStride + inner * innerStride`.
 */
export interface QuantGranularity {
  readonly kind: 'per-tensor' | 'per-axis' | 'blocked';
  /** Normalized axis (0 for per-tensor). */
  readonly axis: number;
  readonly blockSize: number;
  readonly outerStride: number;
  readonly axisStride: number;
  readonly innerStride: number;
}

/**
 * Classifies a scale shape against the data shape, following ONNX (and its reference): a scalar or a
 * single-element tensor is per-tensor; with `block_size` 0 a 1-D scale of length `shape[axis]` is
 * per-axis; with `block_size` B the scale has the data's rank and `ceil(shape[axis] / B)` along the
 * axis. Dimensions that are symbolic are accepted without checks; the kernel calls this with static
 * shapes, where every check applies.
 */
export function quantGranularity(data: Shape, scale: Shape, axis: number, blockSize: number, what: string): QuantGranularity {
  if (!Number.isInteger(blockSize) || blockSize < 0) {
    throw new PimcError('invalid-attribute', `${what}: block_size must be a non-negative integer, got ${blockSize}`);
  }
  if (isSingleElement(scale)) {
    return { kind: 'per-tensor', axis: 0, blockSize: 1, outerStride: 0, axisStride: 0, innerStride: 0 };
  }
  const ax = normalizeAxis(axis, data.length, what);
  const length = data[ax]!;
  if (blockSize === 0) {
    if (scale.length !== 1) {
      throw new PimcError(
        'shape-mismatch',
        `${what}: scale of shape ${formatShape(scale)} must be a scalar or 1-D (per-axis) without block_size`,
      );
    }
    const n = scale[0]!;
    if (typeof n === 'number' && typeof length === 'number' && n !== length) {
      throw new PimcError(
        'shape-mismatch',
        `${what}: per-axis scale has ${n} elements but axis ${axis} of input ${formatShape(data)} has ${length}`,
      );
    }
    return { kind: 'per-axis', axis: ax, blockSize: 1, outerStride: 0, axisStride: 1, innerStride: 0 };
  }
  if (scale.length !== data.length) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: blocked scale of shape ${formatShape(scale)} must have the rank of input ${formatShape(data)}`,
    );
  }
  data.forEach((d, i) => {
    const s = scale[i]!;
    if (typeof d !== 'number' || typeof s !== 'number') return;
    const expected = i === ax ? Math.ceil(d / blockSize) : d;
    if (s !== expected) {
      throw new PimcError(
        'shape-mismatch',
        `${what}: blocked scale of shape ${formatShape(scale)} does not fit input ${formatShape(data)} with axis ${axis} and block_size ${blockSize} (dimension ${i} should be ${expected})`,
      );
    }
  });
  let inner = 1;
  for (let i = ax + 1; i < scale.length; i++) {
    const s = scale[i]!;
    inner = typeof s === 'number' ? inner * s : NaN;
  }
  const blocks = scale[ax]!;
  return {
    kind: 'blocked',
    axis: ax,
    blockSize,
    outerStride: typeof blocks === 'number' ? blocks * inner : NaN,
    axisStride: inner,
    innerStride: 1,
  };
}

/** Scale and zero point must agree in shape (ONNX); a scalar and a single-element tensor agree too. */
function checkZeroPointShape(scale: InferInput, zeroPoint: InferInput | undefined, what: string, names: string): void {
  if (zeroPoint?.shape === undefined || scale.shape === undefined) return;
  if (isSingleElement(scale.shape) && isSingleElement(zeroPoint.shape)) return;
  const same =
    scale.shape.length === zeroPoint.shape.length &&
    scale.shape.every((d, i) => d === zeroPoint.shape![i] || typeof d !== 'number' || typeof zeroPoint.shape![i] !== 'number');
  if (!same) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: ${names} must have one shape, got ${formatShape(scale.shape)} and ${formatShape(zeroPoint.shape)}`,
    );
  }
}

const SCALE_DTYPES: readonly DType[] = ['float32', 'float16', 'float64'];

/** Output type of QuantizeLinear: the zero point's type, else `output_dtype`, else uint8. */
export function quantizeOutputDType(zeroPoint: DType | undefined, outputDtype: number, what: string): DType {
  const fromAttr = outputDtype === 0 ? undefined : dtypeOfAttribute(outputDtype, what, 'output_dtype');
  if (zeroPoint !== undefined && fromAttr !== undefined && zeroPoint !== fromAttr) {
    throw new PimcError('invalid-attribute', `${what}: output_dtype ${fromAttr} does not match y_zero_point type ${zeroPoint}`);
  }
  const dtype = zeroPoint ?? fromAttr ?? 'uint8';
  if (!QUANTIZED_DTYPES.includes(dtype)) {
    throw new PimcError(
      'unsupported-dtype',
      `${what}: cannot quantize to ${dtype}; pimc quantizes to ${QUANTIZED_DTYPES.join(', ')}`,
    );
  }
  return dtype;
}

/** Precision of QuantizeLinear's division `x / y_scale`: the `precision` attribute, else the scale's type. */
export function quantizeDivisionDType(scale: DType, precision: number, what: string): DType {
  return floatTypeAttribute(scale, precision, what, 'precision');
}

/** Output type of DequantizeLinear: `output_dtype`, else the scale's type. */
export function dequantizeOutputDType(scale: DType, outputDtype: number, what: string): DType {
  return floatTypeAttribute(scale, outputDtype, what, 'output_dtype');
}

/** A float type named by an ONNX type-code attribute, or `fallback` when the attribute is 0 (absent). */
function floatTypeAttribute(fallback: DType, code: number, what: string, attribute: string): DType {
  if (code === 0) return fallback;
  const dtype = dtypeOfAttribute(code, what, attribute);
  if (!SCALE_DTYPES.includes(dtype)) {
    throw new PimcError('invalid-attribute', `${what}: ${attribute} must name a float type, not ${dtype}`);
  }
  return dtype;
}

const nonNegative = (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : 'must be a non-negative integer');

export const QuantizeLinear = defineOp({
  name: 'QuantizeLinear',
  category: 'quantization',
  summary: 'saturate(round_half_even(x / y_scale) + y_zero_point), per tensor, per axis or per block',
  inputs: [{ name: 'x' }, { name: 'y_scale' }, { name: 'y_zero_point', optional: true }],
  outputs: ['y'],
  attrs: {
    axis: attr.int(1),
    /** Only meaningful for float8 outputs, which pimc refuses; accepted and ignored otherwise. */
    saturate: attr.int(1),
    block_size: attr.int(0, nonNegative),
    output_dtype: attr.int(0),
    precision: attr.int(0),
  },
  infer: (inputs, attrs) => {
    const what = 'QuantizeLinear';
    const x = required(inputs, 0, what, 'x');
    const scale = required(inputs, 1, what, 'y_scale');
    const zeroPoint = inputs[2];
    requireDType(x, ['float32', 'float16', 'float64', 'int32'], what, 'x');
    if (!SCALE_DTYPES.includes(scale.dtype)) {
      throw new PimcError('unsupported-dtype', `${what}: y_scale of type ${scale.dtype} is not supported (float32 or float16)`);
    }
    quantizeDivisionDType(scale.dtype, attrs.precision, what);
    const dtype = quantizeOutputDType(zeroPoint?.dtype, attrs.output_dtype, what);
    checkZeroPointShape(scale, zeroPoint, what, 'y_scale and y_zero_point');
    if (x.shape !== undefined && scale.shape !== undefined) {
      quantGranularity(x.shape, scale.shape, attrs.axis, attrs.block_size, what);
    }
    return [{ dtype, shape: x.shape }];
  },
});
export type QuantizeLinearAttrs = AttrsOf<typeof QuantizeLinear.attrs>;

export const DequantizeLinear = defineOp({
  name: 'DequantizeLinear',
  category: 'quantization',
  summary: '(x - x_zero_point) * x_scale, per tensor, per axis or per block',
  inputs: [{ name: 'x' }, { name: 'x_scale' }, { name: 'x_zero_point', optional: true }],
  outputs: ['y'],
  attrs: {
    axis: attr.int(1),
    block_size: attr.int(0, nonNegative),
    output_dtype: attr.int(0),
  },
  infer: (inputs, attrs) => {
    const what = 'DequantizeLinear';
    const x = required(inputs, 0, what, 'x');
    const scale = required(inputs, 1, what, 'x_scale');
    const zeroPoint = inputs[2];
    requireDType(x, [...QUANTIZED_DTYPES, 'int32'], what, 'x');
    if (!SCALE_DTYPES.includes(scale.dtype)) {
      throw new PimcError('unsupported-dtype', `${what}: x_scale of type ${scale.dtype} is not supported (float32 or float16)`);
    }
    requireSameDType(zeroPoint, x, what, 'x_zero_point', 'x');
    if (x.dtype === 'int32' && zeroPoint?.value !== undefined) requireZeroInt32ZeroPoint(zeroPoint.value.data, what);
    checkZeroPointShape(scale, zeroPoint, what, 'x_scale and x_zero_point');
    if (x.shape !== undefined && scale.shape !== undefined) {
      quantGranularity(x.shape, scale.shape, attrs.axis, attrs.block_size, what);
    }
    return [{ dtype: dequantizeOutputDType(scale.dtype, attrs.output_dtype, what), shape: x.shape }];
  },
});
export type DequantizeLinearAttrs = AttrsOf<typeof DequantizeLinear.attrs>;

/** int32 data has no zero point in ONNX: one may be given, but it must be all zeros. */
export function requireZeroInt32ZeroPoint(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0) {
      throw new PimcError('invalid-input', `${what}: an int32 input has no zero point, but x_zero_point[${i}] is ${values[i]}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Integer convolutions

const convAttrs = {
  auto_pad: attr.string('NOTSET', ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']),
  dilations: attr.optionalInts(),
  group: attr.int(1, (v) => (Number.isInteger(v) && v >= 1 ? undefined : 'must be a positive integer')),
  kernel_shape: attr.optionalInts(),
  pads: attr.optionalInts(),
  strides: attr.optionalInts(),
} as const;

/** The attributes ConvInteger and QLinearConv share (those of Conv). */
export type IntegerConvAttrs = AttrsOf<typeof convAttrs>;

/**
 * Output shape of an integer convolution: `[N, M, ...spatial]` from x `[N, C, ...]` and w
 * `[M, C / group, ...kernel]`, the spatial sizes from `windowGeometry`. A symbolic spatial input
 * dimension gives an unknown (`?`) output dimension; the attributes are still checked.
 */
export function integerConvShape(x: Shape, w: Shape, attrs: IntegerConvAttrs, what: string): Dim[] {
  if (x.length < 3) throw new PimcError('shape-mismatch', `${what}: x must be [N, C, spatial...], got ${formatShape(x)}`);
  if (w.length !== x.length) {
    throw new PimcError('shape-mismatch', `${what}: w ${formatShape(w)} must have the rank of x ${formatShape(x)}`);
  }
  const group = attrs.group;
  const [channels, outChannels, perGroup] = [x[1]!, w[0]!, w[1]!];
  if (typeof channels === 'number' && typeof perGroup === 'number' && channels !== perGroup * group) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: x has ${channels} channels but w ${formatShape(w)} with group ${group} expects ${perGroup * group}`,
    );
  }
  if (typeof outChannels === 'number' && outChannels % group !== 0) {
    throw new PimcError('shape-mismatch', `${what}: ${outChannels} output channels do not divide into ${group} groups`);
  }
  const wKernel = w.slice(2);
  const kernelAttr = attrs.kernel_shape;
  if (kernelAttr !== undefined && kernelAttr.length > 0) {
    if (kernelAttr.length !== wKernel.length || kernelAttr.some((k, i) => typeof wKernel[i] === 'number' && wKernel[i] !== k)) {
      throw new PimcError(
        'shape-mismatch',
        `${what}: kernel_shape [${kernelAttr.join(', ')}] does not match w ${formatShape(w)}`,
      );
    }
  }
  const kernel = kernelAttr !== undefined && kernelAttr.length > 0 ? kernelAttr : wKernel;
  const spatial = x.slice(2);
  if (!isStatic(kernel)) return [x[0]!, outChannels, ...spatial.map(() => '?')];
  // Symbolic input sizes are stood in for by the window extent (which always fits), so the
  // attributes are still validated; their output sizes are then reported unknown.
  const dilations = attrs.dilations;
  const standIn = spatial.map((d, i) => (typeof d === 'number' ? d : (kernel[i]! - 1) * (dilations?.[i] ?? 1) + 1));
  const geometry = integerConvGeometry(standIn, kernel, attrs, what);
  return [x[0]!, outChannels, ...spatial.map((d, i) => (typeof d === 'number' ? geometry.output[i]! : '?'))];
}

/** The resolved window geometry of an integer convolution over static spatial sizes. */
export function integerConvGeometry(spatial: StaticShape, kernel: StaticShape, attrs: IntegerConvAttrs, what: string) {
  return windowGeometry(spatial, kernel, {
    strides: attrs.strides,
    dilations: attrs.dilations,
    pads: attrs.pads,
    autoPad: attrs.auto_pad,
    what,
  });
}

/** Checks that a per-output-channel parameter is a scalar, a single element, or a 1-D tensor of length M. */
function checkPerChannel(param: InferInput | undefined, w: InferInput, what: string, name: string): void {
  if (param?.shape === undefined || isSingleElement(param.shape)) return;
  const m = w.shape?.[0];
  if (param.shape.length !== 1 || (typeof param.shape[0] === 'number' && typeof m === 'number' && param.shape[0] !== m)) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: ${name} of shape ${formatShape(param.shape)} must be a scalar or hold one value per output channel (${m ?? '?'})`,
    );
  }
}

function checkPerTensor(param: InferInput | undefined, what: string, name: string): void {
  if (param?.shape !== undefined && !isSingleElement(param.shape) && isStatic(param.shape)) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: ${name} must be a scalar (per tensor), got shape ${formatShape(param.shape)}`,
    );
  }
}

function convMacs(inputs: readonly (InferInput | undefined)[], outputs: readonly TensorType[], wIndex: number): number {
  const w = inputs[wIndex]?.shape;
  const y = outputs[0]?.shape;
  if (w === undefined || y === undefined || !isStatic(w) || !isStatic(y)) return 0;
  // Each output element takes (C / group) * prod(kernel) products: exactly w's size over M.
  const perOutput = w.slice(1).reduce((a, b) => a * b, 1);
  return y.reduce((a, b) => a * b, 1) * perOutput;
}

export const ConvInteger = defineOp({
  name: 'ConvInteger',
  category: 'quantization',
  summary: 'int32 convolution of (x - x_zero_point) with (w - w_zero_point)',
  inputs: [{ name: 'x' }, { name: 'w' }, { name: 'x_zero_point', optional: true }, { name: 'w_zero_point', optional: true }],
  outputs: ['y'],
  attrs: convAttrs,
  infer: (inputs, attrs) => {
    const what = 'ConvInteger';
    const x = required(inputs, 0, what, 'x');
    const w = required(inputs, 1, what, 'w');
    requireDType(x, INT8_DTYPES, what, 'x');
    requireDType(w, INT8_DTYPES, what, 'w');
    requireSameDType(inputs[2], x, what, 'x_zero_point', 'x');
    requireSameDType(inputs[3], w, what, 'w_zero_point', 'w');
    checkPerTensor(inputs[2], what, 'x_zero_point');
    checkPerChannel(inputs[3], w, what, 'w_zero_point');
    const shape = x.shape !== undefined && w.shape !== undefined ? integerConvShape(x.shape, w.shape, attrs, what) : undefined;
    return [{ dtype: 'int32', shape }];
  },
  macs: (inputs, outputs) => convMacs(inputs, outputs, 1),
});
export type ConvIntegerAttrs = AttrsOf<typeof ConvInteger.attrs>;

export const QLinearConv = defineOp({
  name: 'QLinearConv',
  category: 'quantization',
  summary: 'quantized convolution: int32 accumulation requantized to y_scale and y_zero_point',
  inputs: [
    { name: 'x' },
    { name: 'x_scale' },
    { name: 'x_zero_point' },
    { name: 'w' },
    { name: 'w_scale' },
    { name: 'w_zero_point' },
    { name: 'y_scale' },
    { name: 'y_zero_point' },
    { name: 'B', optional: true },
  ],
  outputs: ['y'],
  attrs: convAttrs,
  infer: (inputs, attrs) => {
    const what = 'QLinearConv';
    const names = ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point'];
    const [x, xScale, xZero, w, wScale, wZero, yScale, yZero] = names.map((n, i) => required(inputs, i, what, n)) as [
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
    ];
    const bias = inputs[8];
    requireDType(x, INT8_DTYPES, what, 'x');
    requireDType(w, INT8_DTYPES, what, 'w');
    requireDType(yZero, INT8_DTYPES, what, 'y_zero_point');
    requireSameDType(xZero, x, what, 'x_zero_point', 'x');
    requireSameDType(wZero, w, what, 'w_zero_point', 'w');
    for (const [s, n] of [
      [xScale, 'x_scale'],
      [wScale, 'w_scale'],
      [yScale, 'y_scale'],
    ] as const) {
      requireDType(s, ['float32', 'float16'], what, n);
    }
    for (const [p, n] of [
      [xScale, 'x_scale'],
      [xZero, 'x_zero_point'],
      [yScale, 'y_scale'],
      [yZero, 'y_zero_point'],
    ] as const) {
      checkPerTensor(p, what, n);
    }
    checkPerChannel(wScale, w, what, 'w_scale');
    checkPerChannel(wZero, w, what, 'w_zero_point');
    if (bias !== undefined) {
      requireDType(bias, ['int32'], what, 'B');
      const m = w.shape?.[0];
      if (
        bias.shape !== undefined &&
        (bias.shape.length !== 1 || (typeof m === 'number' && typeof bias.shape[0] === 'number' && bias.shape[0] !== m))
      ) {
        throw new PimcError(
          'shape-mismatch',
          `${what}: B of shape ${formatShape(bias.shape)} must be 1-D with one value per output channel (${m ?? '?'})`,
        );
      }
    }
    const shape = x.shape !== undefined && w.shape !== undefined ? integerConvShape(x.shape, w.shape, attrs, what) : undefined;
    return [{ dtype: yZero.dtype, shape }];
  },
  macs: (inputs, outputs) => convMacs(inputs, outputs, 3),
});
export type QLinearConvAttrs = AttrsOf<typeof QLinearConv.attrs>;

// ---------------------------------------------------------------------------------------------
// Integer matrix products

/**
 * numpy.matmul shape of `a @ b`: 1-D operands get a dimension prepended (a) or appended (b) that the
 * result drops again; batch dimensions broadcast.
 */
export function integerMatMulShape(a: Shape, b: Shape, what: string): Dim[] {
  if (a.length === 0 || b.length === 0) throw new PimcError('shape-mismatch', `${what}: operands must not be scalars`);
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = a2[a2.length - 1]!;
  const k2 = b2[b2.length - 2]!;
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: cannot multiply ${formatShape(a)} by ${formatShape(b)} (inner dimensions ${k1} and ${k2})`,
    );
  }
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)], what);
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

/**
 * The shape a matmul quantization parameter (scale or zero point) takes once aligned with its operand
 * seen as `[...batch, rows, cols]` (1-D operands as a row `[1, K]` for `a`, a column `[K, 1]` for
 * `b`): `[...batch', rows or 1, 1]` per row of `a`, `[...batch', 1, cols or 1]` per column of `b`.
 * ONNX allows a scalar (per tensor), a 1-D tensor of M (per row of `a`) or N (per column of `b`)
 * elements, or an N-D tensor `[D1, D2, M, 1]` / `[D1, D2, 1, N]`.
 */
export function matMulParamShape(
  param: StaticShape,
  operand: StaticShape,
  side: 'row' | 'column',
  what: string,
  name: string,
): number[] {
  const matrix = operand.length === 1 ? (side === 'row' ? [1, operand[0]!] : [operand[0]!, 1]) : [...operand];
  const rows = matrix[matrix.length - 2]!;
  const cols = matrix[matrix.length - 1]!;
  const fail = (): never => {
    const expected = side === 'row' ? `[${rows}] or [..., ${rows}, 1]` : `[${cols}] or [..., 1, ${cols}]`;
    throw new PimcError(
      'shape-mismatch',
      `${what}: ${name} of shape ${formatShape(param)} must be a scalar or per ${side} (${expected}) for an operand of shape ${formatShape(operand)}`,
    );
  };
  if (isSingleElement(param)) return [1, 1];
  if (param.length === 1) {
    if (side === 'row' && param[0] === rows) return [rows, 1];
    if (side === 'column' && param[0] === cols) return [1, cols];
    return fail();
  }
  if (param.length > matrix.length) return fail();
  const r = param[param.length - 2]!;
  const c = param[param.length - 1]!;
  const ok = side === 'row' ? c === 1 && (r === rows || r === 1) : r === 1 && (c === cols || c === 1);
  if (!ok) return fail();
  const batch = matrix.slice(0, -2);
  const paramBatch = param.slice(0, -2);
  const offset = batch.length - paramBatch.length;
  if (paramBatch.some((d, i) => d !== 1 && d !== batch[i + offset])) return fail();
  return [...param];
}

function checkMatMulParam(
  param: InferInput | undefined,
  operand: InferInput,
  side: 'row' | 'column',
  what: string,
  name: string,
): void {
  if (param?.shape === undefined || operand.shape === undefined || !isStatic(param.shape) || !isStatic(operand.shape)) return;
  matMulParamShape(param.shape, operand.shape, side, what, name);
}

function matMulMacs(inputs: readonly (InferInput | undefined)[], outputs: readonly TensorType[], aIndex: number): number {
  const a = inputs[aIndex]?.shape;
  const y = outputs[0]?.shape;
  if (a === undefined || y === undefined || !isStatic(a) || !isStatic(y)) return 0;
  return y.reduce((p, d) => p * d, 1) * a[a.length - 1]!;
}

export const MatMulInteger = defineOp({
  name: 'MatMulInteger',
  category: 'quantization',
  summary: 'int32 matrix product (A - a_zero_point) @ (B - b_zero_point), zero points per tensor, per row of A, per column of B',
  inputs: [{ name: 'A' }, { name: 'B' }, { name: 'a_zero_point', optional: true }, { name: 'b_zero_point', optional: true }],
  outputs: ['Y'],
  attrs: {},
  infer: (inputs) => {
    const what = 'MatMulInteger';
    const a = required(inputs, 0, what, 'A');
    const b = required(inputs, 1, what, 'B');
    requireDType(a, INT8_DTYPES, what, 'A');
    requireDType(b, INT8_DTYPES, what, 'B');
    requireSameDType(inputs[2], a, what, 'a_zero_point', 'A');
    requireSameDType(inputs[3], b, what, 'b_zero_point', 'B');
    checkMatMulParam(inputs[2], a, 'row', what, 'a_zero_point');
    checkMatMulParam(inputs[3], b, 'column', what, 'b_zero_point');
    const shape = a.shape !== undefined && b.shape !== undefined ? integerMatMulShape(a.shape, b.shape, what) : undefined;
    return [{ dtype: 'int32', shape }];
  },
  macs: (inputs, outputs) => matMulMacs(inputs, outputs, 0),
});

export const QLinearMatMul = defineOp({
  name: 'QLinearMatMul',
  category: 'quantization',
  summary: 'quantized matrix product: int32 accumulation requantized to y_scale and y_zero_point',
  inputs: [
    { name: 'a' },
    { name: 'a_scale' },
    { name: 'a_zero_point' },
    { name: 'b' },
    { name: 'b_scale' },
    { name: 'b_zero_point' },
    { name: 'y_scale' },
    { name: 'y_zero_point' },
  ],
  outputs: ['y'],
  attrs: {},
  infer: (inputs) => {
    const what = 'QLinearMatMul';
    const names = ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'];
    const [a, aScale, aZero, b, bScale, bZero, yScale, yZero] = names.map((n, i) => required(inputs, i, what, n)) as [
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
      InferInput,
    ];
    requireDType(a, INT8_DTYPES, what, 'a');
    requireDType(b, INT8_DTYPES, what, 'b');
    requireDType(yZero, INT8_DTYPES, what, 'y_zero_point');
    requireSameDType(aZero, a, what, 'a_zero_point', 'a');
    requireSameDType(bZero, b, what, 'b_zero_point', 'b');
    for (const [s, n] of [
      [aScale, 'a_scale'],
      [bScale, 'b_scale'],
      [yScale, 'y_scale'],
    ] as const) {
      requireDType(s, ['float32', 'float16'], what, n);
    }
    checkMatMulParam(aScale, a, 'row', what, 'a_scale');
    checkMatMulParam(aZero, a, 'row', what, 'a_zero_point');
    checkMatMulParam(bScale, b, 'column', what, 'b_scale');
    checkMatMulParam(bZero, b, 'column', what, 'b_zero_point');
    checkPerTensor(yScale, what, 'y_scale');
    checkPerTensor(yZero, what, 'y_zero_point');
    const shape = a.shape !== undefined && b.shape !== undefined ? integerMatMulShape(a.shape, b.shape, what) : undefined;
    return [{ dtype: yZero.dtype, shape }];
  },
  macs: (inputs, outputs) => matMulMacs(inputs, outputs, 0),
});

export const quantizationOps: readonly OpSchema[] = [
  QuantizeLinear,
  DequantizeLinear,
  ConvInteger,
  QLinearConv,
  MatMulInteger,
  QLinearMatMul,
];

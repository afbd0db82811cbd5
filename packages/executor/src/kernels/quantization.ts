import { PimcError } from '@pimc/support';
import {
  allocate,
  ConvInteger,
  DequantizeLinear,
  dequantizeOutputDType,
  integerConvGeometry,
  integerMatMulShape,
  integerRange,
  MatMulInteger,
  matMulParamShape,
  QLinearConv,
  QLinearMatMul,
  quantGranularity,
  QuantizeLinear,
  quantizeDivisionDType,
  quantizeOutputDType,
  requireZeroInt32ZeroPoint,
  roundToFloat16,
  sizeOf,
  Tensor,
  type DType,
  type IntegerConvAttrs,
  type QuantGranularity,
  type StaticShape,
  type TypedArray,
} from '@pimc/ir';
import { broadcastStrides } from '../broadcast.js';
import { kernel, operand, type Kernel } from '../kernel.js';

/*
 * Reference semantics of the quantized ops. Integer arithmetic is exact: products and sums are
 * computed in JavaScript numbers (exact to 2^53) and accumulators are then wrapped to int32, which is
 * what ONNX allows ("accumulation may overflow if and only if in 32 bits") and what onnxruntime and
 * the ONNX reference do. Float steps follow onnxruntime's float32 arithmetic, each rounded to float32.
 */

/** Rounds to the nearest integer, ties to even (numpy.rint, C nearbyint in the default mode). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties go up, towards +Infinity
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `saturate(round_half_even(v) + zeroPoint)` into [lo, hi]; NaN saturates to lo (as onnxruntime's clamps do). */
export function saturateRound(v: number, zeroPoint: number, lo: number, hi: number): number {
  if (Number.isNaN(v)) return lo;
  const q = roundHalfEven(v) + zeroPoint;
  return q < lo ? lo : q > hi ? hi : q;
}

/** The float32 requantization multiplier `input_scale * weight_scale / output_scale`, as onnxruntime computes it. */
export function requantMultiplier(inputScale: number, weightScale: number, outputScale: number): number {
  return Math.fround(Math.fround(inputScale * weightScale) / outputScale);
}

/** Requantizes an int32 accumulator: `saturate(round_half_even(float32(acc) * multiplier) + zeroPoint)`. */
export function requantize(acc: number, multiplier: number, zeroPoint: number, lo: number, hi: number): number {
  return saturateRound(Math.fround(Math.fround(acc) * multiplier), zeroPoint, lo, hi);
}

/** Rounding of a value to a float dtype's precision. */
function rounderOf(dtype: DType): (v: number) => number {
  if (dtype === 'float32') return Math.fround;
  if (dtype === 'float16') return roundToFloat16;
  return (v) => v;
}

/** [outer, axis length, inner] sizes of `shape` around `axis` (a scalar is 1 × 1 × 1). */
function splitAt(shape: StaticShape, axis: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

/**
 * Calls `visit(element, scaleIndex, zeroIndex)` for every element of a tensor of `shape`, with the
 * index of the scale and zero point that apply to it. Both granularities share the data's axis.
 */
function forEachQuantized(
  shape: StaticShape,
  scale: QuantGranularity,
  zero: QuantGranularity,
  visit: (element: number, scaleIndex: number, zeroIndex: number) => void,
): void {
  const axis = scale.kind !== 'per-tensor' ? scale.axis : zero.axis;
  const [outer, length, inner] = splitAt(shape, axis);
  let element = 0;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < length; a++) {
      const s = o * scale.outerStride + Math.floor(a / scale.blockSize) * scale.axisStride;
      const z = o * zero.outerStride + Math.floor(a / zero.blockSize) * zero.axisStride;
      for (let i = 0; i < inner; i++) visit(element++, s + i * scale.innerStride, z + i * zero.innerStride);
    }
  }
}

const PER_TENSOR: QuantGranularity = { kind: 'per-tensor', axis: 0, blockSize: 1, outerStride: 0, axisStride: 0, innerStride: 0 };
const ZERO = new Int32Array(1);

const quantizeLinear = kernel(QuantizeLinear, (inputs, attrs, ctx) => {
  const what = 'QuantizeLinear';
  const x = operand(inputs, 0, ctx, 'x');
  const scale = operand(inputs, 1, ctx, 'y_scale');
  const zeroPoint = inputs[2];
  const dtype = quantizeOutputDType(zeroPoint?.dtype, attrs.output_dtype, what);
  const toPrecision = rounderOf(quantizeDivisionDType(scale.dtype, attrs.precision, what));
  const scaleLayout = quantGranularity(x.shape, scale.shape, attrs.axis, attrs.block_size, what);
  const zeroLayout =
    zeroPoint === undefined ? PER_TENSOR : quantGranularity(x.shape, zeroPoint.shape, attrs.axis, attrs.block_size, what);
  const [lo, hi] = integerRange(dtype);
  const xs = x.data as TypedArray;
  const ss = scale.data as TypedArray;
  const zs = (zeroPoint?.data ?? ZERO) as TypedArray;
  const out = allocate(dtype, x.size) as TypedArray;
  forEachQuantized(x.shape, scaleLayout, zeroLayout, (e, s, z) => {
    out[e] = saturateRound(toPrecision(toPrecision(xs[e]!) / toPrecision(ss[s]!)), zs[z]!, lo, hi);
  });
  return [new Tensor(dtype, x.shape, out as never)];
});

const dequantizeLinear = kernel(DequantizeLinear, (inputs, attrs, ctx) => {
  const what = 'DequantizeLinear';
  const x = operand(inputs, 0, ctx, 'x');
  const scale = operand(inputs, 1, ctx, 'x_scale');
  const zeroPoint = inputs[2];
  if (zeroPoint !== undefined && zeroPoint.dtype !== x.dtype) {
    throw new PimcError('invalid-input', `${what}: x_zero_point must have the type of x (${x.dtype}), not ${zeroPoint.dtype}`);
  }
  if (x.dtype === 'int32' && zeroPoint !== undefined) requireZeroInt32ZeroPoint(zeroPoint.data, what);
  const dtype = dequantizeOutputDType(scale.dtype, attrs.output_dtype, what);
  const scaleLayout = quantGranularity(x.shape, scale.shape, attrs.axis, attrs.block_size, what);
  const zeroLayout =
    zeroPoint === undefined ? PER_TENSOR : quantGranularity(x.shape, zeroPoint.shape, attrs.axis, attrs.block_size, what);
  // (x - zero point) is exact; it is converted to float32 and multiplied in float32 (float64 only
  // for a float64 scale), then rounded to the output type.
  const compute = rounderOf(scale.dtype === 'float64' ? 'float64' : 'float32');
  const toOutput = rounderOf(dtype);
  const xs = x.data as TypedArray;
  const ss = scale.data as TypedArray;
  const zs = (zeroPoint?.data ?? ZERO) as TypedArray;
  const out = allocate(dtype, x.size) as TypedArray;
  forEachQuantized(x.shape, scaleLayout, zeroLayout, (e, s, z) => {
    out[e] = toOutput(compute(compute(xs[e]! - zs[z]!) * ss[s]!));
  });
  return [new Tensor(dtype, x.shape, out as never)];
});

// ---------------------------------------------------------------------------------------------
// Convolutions

/** The single value of a per-tensor parameter (0 when the optional operand is absent). */
function scalarParam(t: Tensor | undefined, what: string, name: string): number {
  if (t === undefined) return 0;
  if (t.size !== 1) throw new PimcError('shape-mismatch', `${what}: ${name} must be a scalar, got shape [${t.shape.join(', ')}]`);
  return (t.data as TypedArray)[0]!;
}

/** One value per output channel from a scalar or a 1-D parameter of length `channels`. */
function perChannelParam(t: Tensor | undefined, channels: number, what: string, name: string): Float64Array {
  const out = new Float64Array(channels);
  if (t === undefined) return out;
  const data = t.data as TypedArray;
  if (t.size === 1) return out.fill(data[0]!);
  if (t.rank !== 1 || t.size !== channels) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: ${name} of shape [${t.shape.join(', ')}] must be a scalar or hold one value per output channel (${channels})`,
    );
  }
  out.set(data);
  return out;
}

/**
 * For each output position and kernel offset, the flat index of the input position the window reads
 * there, or -1 where it falls into the padding. Built once per call and shared by every batch item
 * and channel, so the accumulation loop does no index arithmetic over dimensions.
 */
function windowTable(
  input: StaticShape,
  output: StaticShape,
  kernel: StaticShape,
  strides: readonly number[],
  dilations: readonly number[],
  padsBegin: readonly number[],
): Int32Array {
  const rank = input.length;
  const outCount = sizeOf(output);
  const kernelCount = sizeOf(kernel);
  const table = new Int32Array(outCount * kernelCount);
  const o = new Array<number>(rank).fill(0);
  const k = new Array<number>(rank).fill(0);
  let t = 0;
  for (let p = 0; p < outCount; p++) {
    k.fill(0);
    for (let q = 0; q < kernelCount; q++) {
      let flat = 0;
      for (let d = 0; d < rank; d++) {
        const i = o[d]! * strides[d]! - padsBegin[d]! + k[d]! * dilations[d]!;
        if (i < 0 || i >= input[d]!) {
          flat = -1;
          break;
        }
        flat = flat * input[d]! + i;
      }
      table[t++] = flat;
      increment(k, kernel);
    }
    increment(o, output);
  }
  return table;
}

/** Odometer step of a multi-index within `shape` (row-major). */
function increment(index: number[], shape: StaticShape): void {
  for (let d = index.length - 1; d >= 0; d--) {
    if (++index[d]! < shape[d]!) return;
    index[d] = 0;
  }
}

/**
 * The exact integer convolution of `(x - xZero)` with `(w - wZero[m])`, accumulators wrapped to
 * int32. Padding contributes nothing, which is the same as padding x with its zero point.
 */
function integerConv(
  x: Tensor,
  xZero: number,
  w: Tensor,
  wZero: Float64Array,
  attrs: IntegerConvAttrs,
  what: string,
): Tensor<'int32'> {
  if (x.rank < 3 || w.rank !== x.rank) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: x [${x.shape.join(', ')}] and w [${w.shape.join(', ')}] must be [N, C, ...] and [M, C / group, ...]`,
    );
  }
  const [batch, channels] = [x.shape[0]!, x.shape[1]!];
  const [outChannels, perGroup] = [w.shape[0]!, w.shape[1]!];
  const group = attrs.group;
  if (channels !== perGroup * group || outChannels % group !== 0) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: x has ${channels} channels and w [${w.shape.join(', ')}] with group ${group} does not fit`,
    );
  }
  const spatial = x.shape.slice(2);
  const kernelShape = w.shape.slice(2);
  if (
    attrs.kernel_shape !== undefined &&
    attrs.kernel_shape.length > 0 &&
    attrs.kernel_shape.some((k, i) => k !== kernelShape[i])
  ) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: kernel_shape [${attrs.kernel_shape.join(', ')}] does not match w [${w.shape.join(', ')}]`,
    );
  }
  const geometry = integerConvGeometry(spatial, kernelShape, attrs, what);
  const table = windowTable(spatial, geometry.output, kernelShape, geometry.strides, geometry.dilations, geometry.pads);

  const inSize = sizeOf(spatial);
  const outSize = sizeOf(geometry.output);
  const kernelSize = sizeOf(kernelShape);
  const xs = x.data as TypedArray;
  const ws = w.data as TypedArray;
  // Centre the operands once, so the inner loop is a plain product.
  const xc = new Int32Array(x.size);
  for (let i = 0; i < xc.length; i++) xc[i] = xs[i]! - xZero;
  const wc = new Int32Array(w.size);
  const perFilter = perGroup * kernelSize;
  for (let m = 0; m < outChannels; m++) {
    for (let i = m * perFilter; i < (m + 1) * perFilter; i++) wc[i] = ws[i]! - wZero[m]!;
  }

  const outPerGroup = outChannels / group;
  const out = new Int32Array(batch * outChannels * outSize);
  let e = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outChannels; m++) {
      const firstChannel = Math.floor(m / outPerGroup) * perGroup;
      for (let p = 0; p < outSize; p++) {
        const row = p * kernelSize;
        let acc = 0;
        for (let c = 0; c < perGroup; c++) {
          const xBase = (n * channels + firstChannel + c) * inSize;
          const wBase = (m * perGroup + c) * kernelSize;
          for (let q = 0; q < kernelSize; q++) {
            const i = table[row + q]!;
            if (i >= 0) acc += xc[xBase + i]! * wc[wBase + q]!;
          }
        }
        out[e++] = acc; // the Int32Array store wraps to int32
      }
    }
  }
  return new Tensor('int32', [batch, outChannels, ...geometry.output], out);
}

const convInteger = kernel(ConvInteger, (inputs, attrs, ctx) => {
  const what = 'ConvInteger';
  const x = operand(inputs, 0, ctx, 'x');
  const w = operand(inputs, 1, ctx, 'w');
  const xZero = scalarParam(inputs[2], what, 'x_zero_point');
  const wZero = perChannelParam(inputs[3], w.shape[0] ?? 0, what, 'w_zero_point');
  return [integerConv(x, xZero, w, wZero, attrs, what)];
});

const qlinearConv = kernel(QLinearConv, (inputs, attrs, ctx) => {
  const what = 'QLinearConv';
  const x = operand(inputs, 0, ctx, 'x');
  const w = operand(inputs, 3, ctx, 'w');
  const yZeroPoint = operand(inputs, 7, ctx, 'y_zero_point');
  const channels = w.shape[0] ?? 0;
  const xScale = scalarParam(operand(inputs, 1, ctx, 'x_scale'), what, 'x_scale');
  const xZero = scalarParam(operand(inputs, 2, ctx, 'x_zero_point'), what, 'x_zero_point');
  const wScale = perChannelParam(operand(inputs, 4, ctx, 'w_scale'), channels, what, 'w_scale');
  const wZero = perChannelParam(operand(inputs, 5, ctx, 'w_zero_point'), channels, what, 'w_zero_point');
  const yScale = scalarParam(operand(inputs, 6, ctx, 'y_scale'), what, 'y_scale');
  const yZero = scalarParam(yZeroPoint, what, 'y_zero_point');
  const bias = inputs[8];
  if (bias !== undefined && (bias.rank !== 1 || bias.size !== channels)) {
    throw new PimcError(
      'shape-mismatch',
      `${what}: B of shape [${bias.shape.join(', ')}] must hold one value per output channel (${channels})`,
    );
  }
  const acc = integerConv(x, xZero, w, wZero, attrs, what);
  const dtype = yZeroPoint.dtype;
  const [lo, hi] = integerRange(dtype);
  const multipliers = wScale.map((s) => requantMultiplier(xScale, s, yScale));
  const out = allocate(dtype, acc.size) as TypedArray;
  const spatial = acc.size / (acc.shape[0]! * channels);
  const biasData = bias?.data as TypedArray | undefined;
  for (let e = 0; e < acc.size; e++) {
    const m = Math.floor(e / spatial) % channels;
    // Bias joins the int32 accumulator, wrapping like it.
    const sum = biasData === undefined ? acc.data[e]! : (acc.data[e]! + biasData[m]!) | 0;
    out[e] = requantize(sum, multipliers[m]!, yZero, lo, hi);
  }
  return [new Tensor(dtype, acc.shape, out as never)];
});

// ---------------------------------------------------------------------------------------------
// Matrix products

/** A matmul operand or parameter seen as a batch of matrices laid over the output's batch. */
interface MatrixView {
  readonly data: TypedArray;
  /** Element offset of the matrix for each output batch index. */
  readonly offsets: Int32Array;
}

/** Offsets of the matrices of a `[...batch, rows, cols]` tensor for every index of `outBatch`. */
function matrixView(data: TypedArray, shape: StaticShape, outBatch: StaticShape): MatrixView {
  const batch = shape.slice(0, -2);
  const matrixSize = shape[shape.length - 2]! * shape[shape.length - 1]!;
  const strides = broadcastStrides(batch, outBatch);
  const offsets = new Int32Array(sizeOf(outBatch));
  const index = new Array<number>(outBatch.length).fill(0);
  for (let t = 0; t < offsets.length; t++) {
    let offset = 0;
    for (let d = 0; d < index.length; d++) offset += index[d]! * strides[d]!;
    offsets[t] = offset * matrixSize;
    increment(index, outBatch);
  }
  return { data, offsets };
}

/** A quantization parameter of a matmul operand: per tensor, per row of `a` or per column of `b`. */
interface ParamView extends MatrixView {
  /** 1 when it varies along its row (of `a`) or column (of `b`) index, else 0. */
  readonly step: number;
}

function paramView(
  param: Tensor | undefined,
  operandShape: StaticShape,
  side: 'row' | 'column',
  outBatch: StaticShape,
  what: string,
  name: string,
): ParamView {
  if (param === undefined) return { data: ZERO, offsets: new Int32Array(sizeOf(outBatch)), step: 0 };
  const shape = matMulParamShape(param.shape, operandShape, side, what, name);
  const varying = side === 'row' ? shape[shape.length - 2]! : shape[shape.length - 1]!;
  return { ...matrixView(param.data as TypedArray, shape, outBatch), step: varying === 1 ? 0 : 1 };
}

interface MatMulPlan {
  readonly shape: number[];
  readonly batch: StaticShape;
  readonly rows: number;
  readonly inner: number;
  readonly cols: number;
  readonly a: MatrixView;
  readonly b: MatrixView;
}

/** Aligns `a @ b` (numpy.matmul rules) as batches of `[rows, inner] @ [inner, cols]` matrices. */
function planMatMul(a: Tensor, b: Tensor, what: string): MatMulPlan {
  const shape = integerMatMulShape(a.shape, b.shape, what) as number[];
  const a2 = a.rank === 1 ? [1, a.shape[0]!] : a.shape;
  const b2 = b.rank === 1 ? [b.shape[0]!, 1] : b.shape;
  const batch = shape.slice(0, Math.max(a2.length, b2.length) - 2);
  return {
    shape,
    batch,
    rows: a2[a2.length - 2]!,
    inner: a2[a2.length - 1]!,
    cols: b2[b2.length - 1]!,
    a: matrixView(a.data as TypedArray, a2, batch),
    b: matrixView(b.data as TypedArray, b2, batch),
  };
}

/**
 * Walks every output element of `(a - aZero) @ (b - bZero)` in row-major order, handing the exact
 * int32-wrapped accumulator, the batch index, the row and the column to `emit`.
 */
function integerMatMul(
  plan: MatMulPlan,
  aZero: ParamView,
  bZero: ParamView,
  emit: (element: number, acc: number, t: number, row: number, col: number) => void,
): void {
  const { rows, inner, cols } = plan;
  const [ad, bd] = [plan.a.data, plan.b.data];
  let e = 0;
  for (let t = 0; t < plan.a.offsets.length; t++) {
    const [ao, bo] = [plan.a.offsets[t]!, plan.b.offsets[t]!];
    for (let r = 0; r < rows; r++) {
      const za = aZero.data[aZero.offsets[t]! + r * aZero.step]!;
      for (let c = 0; c < cols; c++) {
        const zb = bZero.data[bZero.offsets[t]! + c * bZero.step]!;
        let acc = 0;
        for (let k = 0; k < inner; k++) acc += (ad[ao + r * inner + k]! - za) * (bd[bo + k * cols + c]! - zb);
        emit(e++, acc | 0, t, r, c);
      }
    }
  }
}

const matMulInteger = kernel(MatMulInteger, (inputs, _attrs, ctx) => {
  const what = 'MatMulInteger';
  const a = operand(inputs, 0, ctx, 'A');
  const b = operand(inputs, 1, ctx, 'B');
  const plan = planMatMul(a, b, what);
  const aZero = paramView(inputs[2], a.shape, 'row', plan.batch, what, 'a_zero_point');
  const bZero = paramView(inputs[3], b.shape, 'column', plan.batch, what, 'b_zero_point');
  const out = new Int32Array(sizeOf(plan.shape));
  integerMatMul(plan, aZero, bZero, (e, acc) => {
    out[e] = acc;
  });
  return [new Tensor('int32', plan.shape, out)];
});

const qlinearMatMul = kernel(QLinearMatMul, (inputs, _attrs, ctx) => {
  const what = 'QLinearMatMul';
  const a = operand(inputs, 0, ctx, 'a');
  const b = operand(inputs, 3, ctx, 'b');
  const yZeroPoint = operand(inputs, 7, ctx, 'y_zero_point');
  const plan = planMatMul(a, b, what);
  const aScale = paramView(operand(inputs, 1, ctx, 'a_scale'), a.shape, 'row', plan.batch, what, 'a_scale');
  const aZero = paramView(operand(inputs, 2, ctx, 'a_zero_point'), a.shape, 'row', plan.batch, what, 'a_zero_point');
  const bScale = paramView(operand(inputs, 4, ctx, 'b_scale'), b.shape, 'column', plan.batch, what, 'b_scale');
  const bZero = paramView(operand(inputs, 5, ctx, 'b_zero_point'), b.shape, 'column', plan.batch, what, 'b_zero_point');
  const yScale = scalarParam(operand(inputs, 6, ctx, 'y_scale'), what, 'y_scale');
  const yZero = scalarParam(yZeroPoint, what, 'y_zero_point');
  const dtype = yZeroPoint.dtype;
  const [lo, hi] = integerRange(dtype);
  const out = allocate(dtype, sizeOf(plan.shape)) as TypedArray;
  integerMatMul(plan, aZero, bZero, (e, acc, t, r, c) => {
    const sa = aScale.data[aScale.offsets[t]! + r * aScale.step]!;
    const sb = bScale.data[bScale.offsets[t]! + c * bScale.step]!;
    out[e] = requantize(acc, requantMultiplier(sa, sb, yScale), yZero, lo, hi);
  });
  return [new Tensor(dtype, plan.shape, out as never)];
});

export const quantizationKernels: readonly Kernel[] = [
  quantizeLinear,
  dequantizeLinear,
  convInteger,
  qlinearConv,
  matMulInteger,
  qlinearMatMul,
];

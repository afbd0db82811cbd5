import { PimcError } from '@pimc/support';
import {
  allocate,
  Resize,
  resizePlan,
  Tensor,
  type CoordinateTransformationMode,
  type NearestMode,
  type ResizeAttrs,
  type TypedArray,
} from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { floatData, floatResult, floatBuffer, product } from './float.js';

/**
 * Resize, one axis at a time: nearest, linear and cubic resampling are all separable, so an N-D
 * resize is a chain of 1-D ones, each over a [outer, length, inner] view. Axes whose mapping is the
 * identity are skipped.
 */
export const resizeKernel = kernel(Resize, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  if (attrs.coordinate_transformation_mode === 'tf_crop_and_resize') {
    throw new PimcError('unsupported-attribute', "Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
  }
  const present = (t: Tensor | undefined) => (t === undefined || t.size === 0 ? undefined : t.toNumbers());
  const plan = resizePlan(x.shape, present(inputs[2]), present(inputs[3]), attrs);
  let shape = [...x.shape];
  if (attrs.mode === 'nearest') {
    let data = x.data as TypedArray;
    plan.outShape.forEach((size, axis) => {
      if (untouched(shape[axis]!, size, plan.scales[axis]!)) return;
      const index = nearestIndices(shape[axis]!, size, plan.scales[axis]!, attrs);
      if (size === shape[axis] && index.every((v, i) => v === i)) return;
      data = gatherAxis(data, shape, axis, index, x.dtype);
      shape[axis] = size;
    });
    return [new Tensor(x.dtype, plan.outShape, (data === x.data ? data.slice() : data) as never)];
  }
  let data: ArrayLike<number> = floatData(x, ctx, 'X');
  plan.outShape.forEach((size, axis) => {
    if (untouched(shape[axis]!, size, plan.scales[axis]!)) return;
    const taps =
      attrs.mode === 'linear'
        ? linearTaps(shape[axis]!, size, plan.scales[axis]!, attrs)
        : cubicTaps(shape[axis]!, size, plan.scales[axis]!, attrs);
    if (size === shape[axis] && taps.isIdentity()) return;
    data = interpolateAxis(data, shape, axis, size, taps);
    shape = [...shape];
    shape[axis] = size;
  });
  const out = floatBuffer(x.dtype, data.length);
  out.set(data);
  return [floatResult(x.dtype, plan.outShape, out)];
});

/**
 * An axis kept at its size with scale 1 is copied as is, as onnxruntime does, even where a
 * transformation would shift it (tf_half_pixel_for_nn maps o to o + 0.5, which round_prefer_ceil
 * would send to the next channel).
 */
function untouched(inLen: number, outLen: number, scale: number): boolean {
  return inLen === outLen && scale === 1;
}

/**
 * Input coordinate of output position `o` along an axis, in float32 arithmetic step by step as
 * onnxruntime computes it: nearest rounding flips at exact ties, and a float64 coordinate such as
 * 1.5 / 0.6 = 2.4999999 would round differently from its float32 value 2.5.
 */
function sourceCoordinate(mode: CoordinateTransformationMode, o: number, scale64: number, inLen: number, outLen: number): number {
  const f = Math.fround;
  const scale = f(scale64);
  switch (mode) {
    case 'half_pixel':
      return f(f(f(o + 0.5) / scale) - 0.5);
    case 'half_pixel_symmetric': {
      // onnxruntime keeps the offset in float32 but adds the rest in double precision.
      const adjustment = f(outLen / f(scale * inLen));
      const offset = f(f(inLen / 2) * f(1 - adjustment));
      return offset + (o + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(o + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(o * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return f(o / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(o + 0.5) / scale);
    case 'tf_crop_and_resize':
      throw new PimcError(
        'unsupported-attribute',
        "Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported",
      );
  }
}

function roundNearest(mode: NearestMode, v: number): number {
  switch (mode) {
    case 'round_prefer_floor':
      return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil':
      return Math.round(v);
    case 'floor':
      return Math.floor(v);
    case 'ceil':
      return Math.ceil(v);
  }
}

function nearestIndices(inLen: number, outLen: number, scale: number, a: ResizeAttrs): Int32Array {
  const index = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const v = roundNearest(a.nearest_mode, sourceCoordinate(a.coordinate_transformation_mode, o, scale, inLen, outLen));
    index[o] = Math.min(inLen - 1, Math.max(0, v));
  }
  return index;
}

function gatherAxis(
  data: TypedArray,
  shape: readonly number[],
  axis: number,
  index: Int32Array,
  dtype: Tensor['dtype'],
): TypedArray {
  const inLen = shape[axis]!;
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const out = allocate(dtype, outer * index.length * inner) as TypedArray;
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < index.length; o++) {
      const src = (b * inLen + index[o]!) * inner;
      const dst = (b * index.length + o) * inner;
      if (inner === 1) out[dst] = data[src]!;
      else out.set(data.subarray(src, src + inner), dst);
    }
  }
  return out;
}

/** For each output position: `width` source indices and weights. */
class Taps {
  constructor(
    readonly width: number,
    readonly index: Int32Array,
    readonly weight: Float64Array,
  ) {}

  isIdentity(): boolean {
    const n = this.index.length / this.width;
    for (let o = 0; o < n; o++) {
      for (let t = 0; t < this.width; t++) {
        const w = this.weight[o * this.width + t]!;
        const i = this.index[o * this.width + t]!;
        if (w !== 0 && (w !== 1 || i !== o)) return false;
      }
    }
    return true;
  }
}

function linearTaps(inLen: number, outLen: number, scale: number, a: ResizeAttrs): Taps {
  const index = new Int32Array(2 * outLen);
  const weight = new Float64Array(2 * outLen);
  for (let o = 0; o < outLen; o++) {
    const v = Math.min(inLen - 1, Math.max(0, sourceCoordinate(a.coordinate_transformation_mode, o, scale, inLen, outLen)));
    const i0 = Math.floor(v);
    const frac = v - i0;
    index[2 * o] = i0;
    index[2 * o + 1] = Math.min(i0 + 1, inLen - 1);
    weight[2 * o] = 1 - frac;
    weight[2 * o + 1] = frac;
  }
  return new Taps(2, index, weight);
}

/** Keys' cubic convolution with coefficient a, neighbours clamped to the edge (or dropped with exclude_outside). */
function cubicTaps(inLen: number, outLen: number, scale: number, a: ResizeAttrs): Taps {
  const index = new Int32Array(4 * outLen);
  const weight = new Float64Array(4 * outLen);
  const c = a.cubic_coeff_a;
  for (let o = 0; o < outLen; o++) {
    const v = sourceCoordinate(a.coordinate_transformation_mode, o, scale, inLen, outLen);
    const base = Math.floor(v);
    const s = v - base;
    const coeffs = [
      ((c * (s + 1) - 5 * c) * (s + 1) + 8 * c) * (s + 1) - 4 * c,
      ((c + 2) * s - (c + 3)) * s * s + 1,
      ((c + 2) * (1 - s) - (c + 3)) * (1 - s) * (1 - s) + 1,
      ((c * (2 - s) - 5 * c) * (2 - s) + 8 * c) * (2 - s) - 4 * c,
    ];
    let sum = 0;
    for (let t = 0; t < 4; t++) {
      const i = base - 1 + t;
      if (a.exclude_outside !== 0 && (i < 0 || i >= inLen)) coeffs[t] = 0;
      sum += coeffs[t]!;
      index[4 * o + t] = Math.min(inLen - 1, Math.max(0, i));
    }
    for (let t = 0; t < 4; t++) weight[4 * o + t] = a.exclude_outside !== 0 && sum !== 0 ? coeffs[t]! / sum : coeffs[t]!;
  }
  return new Taps(4, index, weight);
}

function interpolateAxis(
  data: ArrayLike<number>,
  shape: readonly number[],
  axis: number,
  outLen: number,
  taps: Taps,
): Float64Array {
  const inLen = shape[axis]!;
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const out = new Float64Array(outer * outLen * inner);
  const { width, index, weight } = taps;
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < outLen; o++) {
      const dst = (b * outLen + o) * inner;
      for (let t = 0; t < width; t++) {
        const w = weight[o * width + t]!;
        if (w === 0) continue;
        const src = (b * inLen + index[o * width + t]!) * inner;
        for (let i = 0; i < inner; i++) out[dst + i] += w * data[src + i]!;
      }
    }
  }
  return out;
}

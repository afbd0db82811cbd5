import { integerRange, type QuantizedDType } from '@pimc/ir';

/** How a float tensor is held as integers: `real = (q − zeroPoint) · scale`. */
export interface QuantParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly dtype: QuantizedDType;
}

export function sameParams(a: QuantParams, b: QuantParams): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;
}

/** Rounds to the nearest integer, ties to even (as QuantizeLinear): every compile-time rounding uses it. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Asymmetric per-tensor parameters for a range that includes 0 (design: quantized-dialect.md):
 * `scale = (hi − lo) / 255` (rounded to float32, the type QuantizeLinear stores it in) and the zero
 * point that puts `lo` at the bottom of the dtype's range. A range of one point (a value that is
 * always 0) gets scale 1, which represents it exactly.
 */
export function activationParams(lo: number, hi: number, dtype: QuantizedDType): QuantParams {
  const [qmin, qmax] = integerRange(dtype);
  const step = Math.fround((hi - lo) / (qmax - qmin));
  const scale = step > 0 ? step : 1;
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - lo / scale)));
  return { scale, zeroPoint, dtype };
}

/** The integer that a real value quantizes to, saturated to the dtype. */
export function quantizeValue(v: number, p: QuantParams): number {
  const [qmin, qmax] = integerRange(p.dtype);
  return Math.min(qmax, Math.max(qmin, p.zeroPoint + roundHalfEven(v / p.scale)));
}

/** Symmetric int8 weights: integers in [−127, 127] and one float32 scale per output channel. */
export interface QuantizedWeights {
  readonly values: Int8Array;
  readonly scales: Float64Array;
}

/**
 * Quantizes weights laid out as [M, ...] (M output channels, `perChannel` values each):
 * `s[m] = max|W[m]| / 127`, `q = round(W / s)`. Per tensor, one scale covers every channel. A channel
 * of zeros takes the largest scale of the others (any positive scale represents it exactly, and
 * this one keeps its requantization multiplier in the usual range).
 */
export function quantizeWeights(w: ArrayLike<number>, channels: number, perChannelScale: boolean): QuantizedWeights {
  const per = w.length / channels;
  const maxAbs = new Float64Array(channels);
  for (let m = 0; m < channels; m++) {
    let v = 0;
    for (let i = m * per; i < (m + 1) * per; i++) v = Math.max(v, Math.abs(w[i]!));
    maxAbs[m] = v;
  }
  if (!perChannelScale) maxAbs.fill(maxAbs.reduce((a, b) => Math.max(a, b), 0));
  const largest = maxAbs.reduce((a, b) => Math.max(a, b), 0);
  const scales = maxAbs.map((v) => Math.fround((v > 0 ? v : largest > 0 ? largest : 127) / 127));
  const values = new Int8Array(w.length);
  for (let m = 0; m < channels; m++) {
    for (let i = m * per; i < (m + 1) * per; i++) values[i] = Math.min(127, Math.max(-127, roundHalfEven(w[i]! / scales[m]!)));
  }
  return { values, scales };
}

/** Largest int32. */
export const INT32_MAX = 2 ** 31 - 1;

/**
 * int32 bias `round(b[m] / (s_x · s_w[m]))`; undefined when a value does not fit int32.
 */
export function quantizeBias(
  b: ArrayLike<number> | undefined,
  channels: number,
  xScale: number,
  wScales: Float64Array,
): Int32Array | undefined {
  const out = new Int32Array(channels);
  if (b === undefined) return out;
  for (let m = 0; m < channels; m++) {
    const q = roundHalfEven(b[b.length === 1 ? 0 : m]! / (xScale * wScales[m]!));
    if (!(Math.abs(q) <= INT32_MAX)) return undefined;
    out[m] = q;
  }
  return out;
}

/**
 * Whether every accumulator `Σ (x − x_zp)·w + B` of a layer stays an int32 (the design's |acc| < 2^31):
 * the worst case per channel is 255·Σ|w| + |B|.
 */
export function accumulatorFits(weights: Int8Array, bias: Int32Array, channels: number): boolean {
  const per = weights.length / channels;
  for (let m = 0; m < channels; m++) {
    let sum = 0;
    for (let i = m * per; i < (m + 1) * per; i++) sum += Math.abs(weights[i]!);
    if (255 * sum + Math.abs(bias[m]!) > INT32_MAX) return false;
  }
  return true;
}

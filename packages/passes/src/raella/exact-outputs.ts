import { sgemm } from '@pimc/kernels';
import { channelsPerGroup, type LayerVectors, type RaellaLayer } from './layer-data.js';

/** Rows per float32 product: 512 terms of |x − zp| ≤ 255 times |w| ≤ 128 stay below 2^24, so each chunk is exact. */
const CHUNK = 512;

/**
 * The exact integer outputs y[v][m] = Σ_k (x_k − zp)·w_k (the accumulator before requantization),
 * the reference every crossbar error is measured against. Float32 products over chunks of 512 rows
 * (each exact), added in float64 (exact below 2^53).
 */
export function exactOutputs(layer: RaellaLayer, vectors: LayerVectors): Float64Array {
  const { outChannels: M, depth, groups } = layer;
  const V = vectors.count;
  const channels = channelsPerGroup(layer);
  const y = new Float64Array(V * M);
  const chunk = Math.min(CHUNK, depth);
  const a = new Float32Array(V * chunk);
  const b = new Float32Array(channels * chunk);
  const c = new Float32Array(V * channels);
  for (let g = 0; g < groups; g++) {
    for (let k0 = 0; k0 < depth; k0 += CHUNK) {
      const kc = Math.min(CHUNK, depth - k0);
      for (let v = 0; v < V; v++) {
        const base = (v * groups + g) * depth + k0;
        for (let k = 0; k < kc; k++) a[v * kc + k] = vectors.codes[base + k]! - layer.zeroPoint;
      }
      for (let m = 0; m < channels; m++) {
        const base = (g * channels + m) * depth + k0;
        for (let k = 0; k < kc; k++) b[m * kc + k] = layer.weights[base + k]!;
      }
      sgemm(V, channels, kc, a, 0, b, 0, c, 0, { transB: true });
      for (let v = 0; v < V; v++) {
        for (let m = 0; m < channels; m++) y[v * M + g * channels + m] = y[v * M + g * channels + m]! + c[v * channels + m]!;
      }
    }
  }
  return y;
}

/** Root of the sum of squares (ratios of these are ratios of RMS values over the same count). */
export function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

/** ε = RMS(error)/RMS(y): 0 for no error, Infinity for an error on all-zero outputs. */
export function relativeError(error: ArrayLike<number>, reference: ArrayLike<number>): number {
  const e = norm(error);
  if (e === 0) return 0;
  const r = norm(reference);
  return r === 0 ? Infinity : e / r;
}

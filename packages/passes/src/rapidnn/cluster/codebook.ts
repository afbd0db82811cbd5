import type { Rng } from '@pimc/support';
import { kmeans1d, kmeans1dOptimal } from '../kmeans/index.js';
import type { KmeansInit, KmeansMethod } from './options.js';

export interface CodebookOptions {
  readonly method: KmeansMethod;
  readonly init: KmeansInit;
  readonly restarts: number;
  readonly iterations: number;
  readonly rng: Rng;
  /** Keep one centroid at exactly 0. */
  readonly forceZero: boolean;
}

/**
 * The cluster values of `values` as the IR stores them: k-means centroids rounded to float32
 * (the weights and activations are float32, so a float64 centroid could never be reproduced by the
 * model), strictly ascending; rounding may merge neighbours, leaving fewer than k.
 */
export function floatCodebook(values: ArrayLike<number>, k: number, options: CodebookOptions): Float32Array {
  const centroids =
    options.method === 'lloyd'
      ? kmeans1d(values, k, {
          rng: options.rng,
          init: options.init,
          restarts: options.restarts,
          iterations: options.iterations,
          forceZero: options.forceZero,
        }).centroids
      : withZero(kmeans1dOptimal(values, k).centroids, options.forceZero);
  return roundedAscending(centroids);
}

/**
 * The exact DP has no pinned centroid, so the centroid nearest 0 is moved onto it: order is kept
 * (no other centroid lies between it and 0), and with many exact zeros that centroid's cluster is
 * mostly zeros already.
 */
function withZero(centroids: Float64Array, forceZero: boolean): Float64Array {
  if (!forceZero || centroids.includes(0)) return centroids;
  let nearest = 0;
  for (let j = 1; j < centroids.length; j++) if (Math.abs(centroids[j]!) < Math.abs(centroids[nearest]!)) nearest = j;
  const out = Float64Array.from(centroids);
  out[nearest] = 0;
  return out;
}

/** Float32 values of ascending centroids, with the duplicates rounding creates removed. */
export function roundedAscending(centroids: ArrayLike<number>): Float32Array {
  const out: number[] = [];
  for (let j = 0; j < centroids.length; j++) {
    const c = Math.fround(centroids[j]!);
    // -0 and +0 are one value for the model; keep the canonical +0.
    const value = c === 0 ? 0 : c;
    if (out.length === 0 || out[out.length - 1]! < value) out.push(value);
  }
  return Float32Array.from(out);
}

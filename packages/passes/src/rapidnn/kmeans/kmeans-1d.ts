import { PimcError, type Rng } from '@pimc/support';
import { checkCount, checkK } from './check-options.js';
import { gridSeed } from './grid-seed.js';
import { refineLloyd, type RefineResult } from './refine-lloyd.js';
import { seedPlusPlus } from './seed-plus-plus.js';
import { exactIfFew, SortedSamples } from './sorted-samples.js';

/**
 * Default cap on Lloyd steps per start. Measured with scripts/bench/kmeans.js at k = 64:
 * - from the grid-DP start, Lloyd meets the 1e-6·range tolerance in 85–100 steps on 10^6 Gaussian
 *   or Laplacian values and ends 0.02–0.06% above the exact DP optimum (at most 267 steps over the
 *   54 ResNet-50-sized weight sets);
 * - from k-means++ seeds 1-D Lloyd is slow — a step moves information one cluster along, so
 *   errors decay like (1 − O(1/k²)) per step: with 3 restarts, 300 steps end 0.15–0.2% above the
 *   optimum at 10^6 values (0.5–1.4% at 2·10^5) and the spec's 50 steps 1.9–2.4% above. A single
 *   start run to the tolerance (800–1200 steps) still stops 0.6–0.8% above: its remaining drift
 *   is below 1e-6·range per step. On small sets (10^3–10^4 values) it sticks in local optima
 *   4–19% above.
 * A step costs O(k) galloping searches (5–10 µs at k = 64), so the cap is about safety.
 */
export const KMEANS_DEFAULT_ITERATIONS = 300;

/**
 * Candidate boundaries per cluster for the grid-DP start: 16 (1024 at k = 64, about 5 ms) ends
 * 0.02–0.06% above the optimum after Lloyd; 8 was up to 0.1%, 32 costs 2.5× the time.
 */
const GRID_PER_CLUSTER = 16;

/** How the first centroids are chosen. */
export type Kmeans1dInit =
  /** Exact DP over ~16k companded/quantile candidate boundaries; deterministic, one start. */
  | 'grid-dp'
  /** k-means++ seeding from `rng`, `restarts` independent starts. */
  | 'kmeans++';

export interface Kmeans1dOptions {
  /** Seeded generator for k-means++ (the pass context's rng). */
  readonly rng: Rng;
  /** Start (default 'grid-dp'; it falls back to k-means++ in the rare case its grid is too coarse). */
  readonly init?: Kmeans1dInit;
  /** Cap on Lloyd steps per start (default KMEANS_DEFAULT_ITERATIONS). */
  readonly iterations?: number;
  /** Independent k-means++ starts; the lowest SSE wins (default 3; 'kmeans++' init only). */
  readonly restarts?: number;
  /** Stop when no centroid moves more than tolerance·(max − min) in a step (default 1e-6). */
  readonly tolerance?: number;
  /** Pin one centroid at exactly 0 (ReLU activations with many exact zeros). */
  readonly forceZero?: boolean;
  /** Per-value weights (e.g. histogram counts), same length as values, ≥ 0. */
  readonly weights?: ArrayLike<number>;
}

export interface Kmeans1dResult {
  /**
   * Strictly ascending centroids: k of them, or the distinct values (plus 0 with forceZero) when
   * there are no more than k.
   */
  readonly centroids: Float64Array;
  /** Weighted sum of squared distances from each value to its nearest centroid (the `assign` rule). */
  readonly sse: number;
  /** Lloyd steps taken by the winning start. */
  readonly iterations: number;
  /** Whether the winning start met the tolerance before the iteration cap. */
  readonly converged: boolean;
}

/**
 * 1-D k-means: sort once, start from a grid-restricted exact DP (or k-means++), then Lloyd on the
 * sorted samples with O(k) searches per step. Deterministic for a given rng state.
 */
export function kmeans1d(values: ArrayLike<number>, k: number, options: Kmeans1dOptions): Kmeans1dResult {
  const where = 'kmeans1d';
  checkK(k, where);
  const iterations = options.iterations ?? KMEANS_DEFAULT_ITERATIONS;
  const restarts = options.restarts ?? 3;
  const tolerance = options.tolerance ?? 1e-6;
  checkCount(iterations, 'iterations', 0, where);
  checkCount(restarts, 'restarts', 1, where);
  if (!(tolerance >= 0)) throw new PimcError('invalid-input', `${where}: tolerance ${tolerance} must be ≥ 0`);
  const samples = SortedSamples.from(values, options.weights, where);
  if (samples.length === 0) throw new PimcError('invalid-input', `${where}: no values (or no positive weights)`);
  const forceZero = options.forceZero ?? false;
  const exact = exactIfFew(samples, k, forceZero);
  if (exact !== undefined) return { centroids: exact, sse: 0, iterations: 0, converged: true };

  const x = samples.values;
  const pinned = forceZero ? 0 : undefined;
  const refineOptions = { maxIterations: iterations, tolerance: tolerance * (x[x.length - 1] - x[0]), pinned };
  if ((options.init ?? 'grid-dp') === 'grid-dp') {
    const seeds = gridSeed(samples, k, pinned, GRID_PER_CLUSTER * k);
    if (seeds !== undefined) return refineLloyd(samples, seeds, refineOptions);
  }
  let best: RefineResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const result = refineLloyd(samples, seedPlusPlus(samples, k, options.rng, pinned), refineOptions);
    if (best === undefined || result.sse < best.sse) best = result;
  }
  return best!;
}

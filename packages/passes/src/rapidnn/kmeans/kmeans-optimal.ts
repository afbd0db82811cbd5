import { PimcError } from '@pimc/support';
import { checkK } from './check-options.js';
import { optimalRuns, optimalRunsSse } from './optimal-runs.js';
import { exactIfFew, pinnedRun, SortedSamples } from './sorted-samples.js';

/**
 * Exact 1-D k-means (Ckmeans.1d.dp-style dynamic programming over the sorted values, O(k·n log n)),
 * the reference that kmeans1d is tested and benchmarked against. Measured at k = 64 on this
 * machine: about 1 s for 10^5 values, 1.5–2 s for 2·10^5 and 12–16 s for 10^6.
 */
export interface Kmeans1dOptimalOptions {
  /** Per-value weights (e.g. histogram counts), same length as values, ≥ 0. */
  readonly weights?: ArrayLike<number>;
  /** Pin one centroid at exactly 0 and optimise the others around it. */
  readonly forceZero?: boolean;
}

export interface Kmeans1dOptimalResult {
  /** Strictly ascending optimal centroids (the distinct values, plus 0 with forceZero, when they fit in k). */
  readonly centroids: Float64Array;
  readonly sse: number;
}

/** Above this many values × clusters the back-pointer table (4 bytes each, twice with forceZero) is too big. */
const MAX_TABLE_ENTRIES = 2 ** 25;

/** Optimal centroids and SSE. Memory O(k·n) for the back-pointers; meant for n up to ~10^5. */
export function kmeans1dOptimal(
  values: ArrayLike<number>,
  k: number,
  options: Kmeans1dOptimalOptions = {},
): Kmeans1dOptimalResult {
  const where = 'kmeans1dOptimal';
  const samples = prepare(values, k, options, where);
  const exact = exactIfFew(samples, k, options.forceZero ?? false);
  if (exact !== undefined) return { centroids: exact, sse: 0 };
  const n = samples.length;
  const pinned = options.forceZero === true ? 0 : undefined;
  if (k * n * (pinned === undefined ? 1 : 2) > MAX_TABLE_ENTRIES) {
    throw new PimcError(
      'invalid-input',
      `${where}: ${n} values × k = ${k} exceeds the ${MAX_TABLE_ENTRIES}-entry back-pointer table; use kmeans1dOptimalSse`,
    );
  }
  const { sse, starts, pinnedRun: pinnedIndex } = optimalRuns(samples.prefix, k, pinnedRun(samples, pinned));
  const centroids = new Float64Array(k);
  for (let q = 0; q < k; q++) {
    centroids[q] = q === pinnedIndex ? 0 : samples.prefix.mean(starts[q], q + 1 < k ? starts[q + 1] : n);
  }
  return { centroids, sse };
}

/** Only the optimal SSE: memory O(n), so it scales to 10^6+ values. */
export function kmeans1dOptimalSse(values: ArrayLike<number>, k: number, options: Kmeans1dOptimalOptions = {}): number {
  const samples = prepare(values, k, options, 'kmeans1dOptimalSse');
  if (exactIfFew(samples, k, options.forceZero ?? false) !== undefined) return 0;
  return optimalRunsSse(samples.prefix, k, pinnedRun(samples, options.forceZero === true ? 0 : undefined));
}

function prepare(values: ArrayLike<number>, k: number, options: Kmeans1dOptimalOptions, where: string): SortedSamples {
  checkK(k, where);
  const samples = SortedSamples.from(values, options.weights, where);
  if (samples.length === 0) throw new PimcError('invalid-input', `${where}: no values (or no positive weights)`);
  return samples;
}

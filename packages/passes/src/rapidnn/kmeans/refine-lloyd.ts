import { midpoint } from './nearest.js';
import type { SortedSamples } from './sorted-samples.js';

/**
 * Lloyd's algorithm on sorted samples. The cluster of centroid j is the run of samples between
 * the midpoints to its neighbours (the `assign` rule: exactly halfway goes to the lower index),
 * and its mean comes from prefix sums, so a step costs O(k) searches. The searches start from the
 * previous step's run ends (galloping), so a step that moves boundaries a little touches a few
 * cache lines per centroid rather than log n.
 */
export interface RefineOptions {
  readonly maxIterations: number;
  /** Stop when no centroid moves further than this (absolute) in a step. */
  readonly tolerance: number;
  /** A centroid fixed at this value (forceZero), if any; it must be among the initial centroids. */
  readonly pinned: number | undefined;
}

export interface RefineResult {
  /** Strictly ascending. */
  readonly centroids: Float64Array;
  /** SSE of assigning every sample to its nearest centroid. */
  readonly sse: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Refines strictly ascending `initial` centroids; the SSE never increases from step to step. */
export function refineLloyd(samples: SortedSamples, initial: Float64Array, options: RefineOptions): RefineResult {
  const k = initial.length;
  const x = samples.values;
  const prefix = samples.prefix;
  let centroids: Float64Array = Float64Array.from(initial);
  let ends = new Int32Array(k);
  let sse = partition(samples, centroids, ends, undefined);
  let next: Float64Array = new Float64Array(k);
  let nextEnds = new Int32Array(k);
  let iterations = 0;
  let converged = false;
  while (iterations < options.maxIterations) {
    let maxMove = 0;
    let empty = -1;
    for (let j = 0; j < k; j++) {
      const a = j === 0 ? 0 : ends[j - 1];
      const b = ends[j];
      if (centroids[j] === options.pinned) next[j] = centroids[j];
      else if (b > a) {
        // Clamping to the run only undoes rounding; it keeps the means strictly ascending
        // because consecutive runs are split between distinct values.
        const mean = Math.min(Math.max(prefix.mean(a, b), x[a]), x[b - 1]);
        next[j] = mean;
        maxMove = Math.max(maxMove, Math.abs(mean - centroids[j]));
      } else {
        next[j] = centroids[j];
        empty = j;
      }
    }
    if (empty < 0 && maxMove <= options.tolerance) {
      converged = true;
      break;
    }
    iterations++;
    if (empty >= 0) {
      centroids = reseedEmpty(samples, centroids, ends, empty, options.pinned);
      sse = partition(samples, centroids, ends, undefined);
      continue;
    }
    sse = partition(samples, next, nextEnds, ends);
    [centroids, next] = [next, centroids];
    [ends, nextEnds] = [nextEnds, ends];
  }
  return { centroids, sse, iterations, converged };
}

/**
 * Fills `ends[j]` with the end (exclusive) of centroid j's run — the samples up to the midpoint
 * to the next centroid — and returns the SSE of that assignment. `hint` holds run ends close to
 * the new ones (the previous step's), if known.
 */
function partition(samples: SortedSamples, centroids: Float64Array, ends: Int32Array, hint: Int32Array | undefined): number {
  const k = centroids.length;
  const n = samples.length;
  const prefix = samples.prefix;
  let sse = 0;
  let start = 0;
  for (let j = 0; j < k; j++) {
    let end = n;
    if (j + 1 < k) {
      const boundary = midpoint(centroids[j], centroids[j + 1]);
      end = hint === undefined ? samples.countAtMost(boundary, start) : samples.countAtMostNear(boundary, hint[j], start, n);
    }
    ends[j] = end;
    sse += prefix.sseAround(start, end, centroids[j]);
    start = end;
  }
  return sse;
}

/**
 * Replaces the centroid of an empty run by splitting the run with the largest SSE: the new
 * centroid is the mean of that run's samples on the side of its centroid that holds more SSE.
 * Deterministic, and the new centroid lies strictly inside the split run.
 */
function reseedEmpty(
  samples: SortedSamples,
  centroids: Float64Array,
  ends: Int32Array,
  empty: number,
  pinned: number | undefined,
): Float64Array {
  const prefix = samples.prefix;
  let worst = -1;
  let worstSse = 0;
  for (let j = 0; j < centroids.length; j++) {
    const s = prefix.sseAround(j === 0 ? 0 : ends[j - 1], ends[j], centroids[j]);
    if (s > worstSse) {
      worstSse = s;
      worst = j;
    }
  }
  if (worst < 0) return centroids; // every sample sits on a centroid: nothing to split
  const a = worst === 0 ? 0 : ends[worst - 1];
  const b = ends[worst];
  const c = centroids[worst];
  const split = samples.countAtMost(c, a, b);
  const added = prefix.sseAround(a, split, c) >= prefix.sseAround(split, b, c) ? prefix.mean(a, split) : prefix.mean(split, b);
  const kept = Array.from(centroids).filter((v, j) => j !== empty || v === pinned);
  if (kept.includes(added)) return centroids; // only rounding can get here; keep the empty one
  kept.push(added);
  return Float64Array.from(kept).sort();
}

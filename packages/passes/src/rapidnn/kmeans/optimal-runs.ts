import type { PrefixSums } from './prefix-sums.js';

/**
 * Optimal split of n ordered points into k contiguous runs, minimising the total SSE, by dynamic
 * programming (Wang & Song 2011, Ckmeans.1d.dp):
 *   D[q][i] = min over j ≤ i of D[q−1][j−1] + cost(j..i).
 * The best j is monotone in i (run SSE satisfies the quadrangle inequality, and this holds for
 * any D[q−1]), so each row is filled by divide and conquer in O(n log n): O(k·n log n) in all.
 *
 * With a pinned centroid p (forceZero) exactly one run is centred on p instead of its mean. A
 * second DP state tracks whether that run has been placed; its cost Σ w(x − p)² is additive, so
 * the monotone-split argument still holds. The pinned run must cover the place where p falls in
 * the order (all points equal to p, and the gap where p would be inserted) — otherwise the DP
 * could park p on a cheap one-point run anywhere and the centroids would leave run order — and it
 * may be empty when no point equals p (data far from 0 need not pay for a pinned 0).
 */
export interface PinnedRun {
  readonly value: number;
  /** The pinned run starts at or before this point: the number of points < value. */
  readonly startMax: number;
  /** The pinned run ends (exclusive) at or after this point: the number of points ≤ value. */
  readonly endMin: number;
}

export interface RunSolution {
  readonly sse: number;
  /** First point of each run, non-decreasing, starts[0] = 0; only the pinned run can be empty. */
  readonly starts: Int32Array;
  /** Index of the run centred on the pinned value, or −1. */
  readonly pinnedRun: number;
}

/** The optimal runs (memory O(k·n) for the back-pointers). Requires k ≤ n. */
export function optimalRuns(prefix: PrefixSums, k: number, pinned: PinnedRun | undefined): RunSolution {
  const n = prefix.length;
  const free = new Int32Array(k * n);
  const withPinned = pinned === undefined ? undefined : new Int32Array(k * n);
  const { sse, emptyPinnedFirst } = fill(prefix, k, pinned, free, withPinned);
  const starts = new Int32Array(k);
  // With an empty pinned run in front, runs 1..k−1 are the best k−1 free runs.
  const first = emptyPinnedFirst ? 1 : 0;
  let pinnedRun = emptyPinnedFirst ? 0 : -1;
  let placed = pinned !== undefined && !emptyPinnedFirst; // walking backwards: is the pinned run still ahead?
  let end = n;
  for (let q = k - 1; q >= first; q--) {
    const row = q - first;
    let start = 0;
    if (row > 0) {
      const entry = placed ? withPinned![row * n + end - 1] : free[row * n + end - 1];
      start = entry < 0 ? ~entry : entry;
      if (entry < 0) {
        pinnedRun = q;
        placed = false;
      }
    } else if (placed) pinnedRun = q;
    starts[q] = start;
    end = start;
  }
  return { sse, starts, pinnedRun };
}

/** Only the optimal SSE: memory O(n). Requires k ≤ n. */
export function optimalRunsSse(prefix: PrefixSums, k: number, pinned: PinnedRun | undefined): number {
  return fill(prefix, k, pinned, undefined, undefined).sse;
}

/**
 * Runs the DP. `free`/`withPinned` (k·n, optional) receive, for each q and i, the start of the
 * last run in the best split of points 0..i into q + 1 runs without / with the pinned run; a start
 * is stored as ~start when that last run is the pinned one (~(i + 1) when it is empty).
 * `emptyPinnedFirst` says the optimum is an empty pinned run before every point, then the best
 * k − 1 free runs (only possible when every point is above the pinned value).
 */
function fill(
  prefix: PrefixSums,
  k: number,
  pinned: PinnedRun | undefined,
  free: Int32Array | undefined,
  withPinned: Int32Array | undefined,
): { sse: number; emptyPinnedFirst: boolean } {
  const n = prefix.length;
  const costs: RunCosts = {
    weight: prefix.weight ?? Float64Array.from({ length: n + 1 }, (_, i) => i),
    sum: prefix.sum,
    squares: prefix.squares,
    pinned: (pinned?.value ?? 0) - prefix.shift,
    startMax: pinned?.startMax ?? n,
    endMin: pinned?.endMin ?? 0,
  };
  // Where an empty pinned run may go: the gap before point `gap` (−1 when points equal the value).
  const gap = pinned !== undefined && pinned.startMax === pinned.endMin ? pinned.startMax : -1;
  let previousFree = new Float64Array(n);
  let currentFree = new Float64Array(n);
  for (let i = 0; i < n; i++) previousFree[i] = prefix.sse(0, i + 1);
  let previousPinned = new Float64Array(pinned === undefined ? 0 : n);
  let currentPinned = new Float64Array(previousPinned.length);
  const other = new Float64Array(previousPinned.length);
  const otherSplit = new Int32Array(previousPinned.length);
  for (let i = 0; i < previousPinned.length; i++) {
    previousPinned[i] = i + 1 >= costs.endMin ? prefix.sseAround(0, i + 1, pinned!.value) : Infinity;
  }
  for (let q = 1; q < k; q++) {
    // The last row only needs its final entry.
    const first = q + 1 === k ? n - 1 : q;
    if (pinned !== undefined) {
      const pinnedRow = withPinned?.subarray(q * n, (q + 1) * n);
      // Either the pinned run came earlier and this run is free, or this run is the pinned one.
      solveFreeRow(costs, previousPinned, currentPinned, pinnedRow, q, first, n - 1, q, n - 1);
      solvePinnedRow(costs, previousFree, other, otherSplit, q, first, n - 1, q, n - 1);
      for (let i = first; i < n; i++) {
        if (other[i] < currentPinned[i]) {
          currentPinned[i] = other[i];
          if (pinnedRow !== undefined) pinnedRow[i] = ~otherSplit[i];
        }
      }
      // Or this run is the pinned one, empty, in the gap after point gap − 1.
      const i = gap - 1;
      if (i >= first && previousFree[i] < currentPinned[i]) {
        currentPinned[i] = previousFree[i];
        if (pinnedRow !== undefined) pinnedRow[i] = ~gap;
      }
      [previousPinned, currentPinned] = [currentPinned, previousPinned];
    }
    // With a pinned value the last free row is never used.
    if (pinned === undefined || q + 1 < k) {
      solveFreeRow(costs, previousFree, currentFree, free?.subarray(q * n, (q + 1) * n), q, first, n - 1, q, n - 1);
      [previousFree, currentFree] = [currentFree, previousFree];
    }
  }
  if (pinned === undefined) return { sse: previousFree[n - 1], emptyPinnedFirst: false };
  // previousFree now holds the best k − 1 free runs.
  if (gap === 0 && k > 1 && previousFree[n - 1] < previousPinned[n - 1]) {
    return { sse: previousFree[n - 1], emptyPinnedFirst: true };
  }
  return { sse: previousPinned[n - 1], emptyPinnedFirst: false };
}

/** Prefix arrays read directly in the inner loops (weight materialised, pinned value shifted). */
interface RunCosts {
  readonly weight: Float64Array;
  readonly sum: Float64Array;
  readonly squares: Float64Array;
  readonly pinned: number;
  readonly startMax: number;
  readonly endMin: number;
}

/**
 * Fills current[i] for i in [lo, hi] with min over j of previous[j − 1] + SSE of run j..i around
 * its mean, knowing each best j lies in [splitLo, splitHi] and is monotone in i: solve the middle
 * i by scanning, then recurse on both halves.
 */
function solveFreeRow(
  costs: RunCosts,
  previous: Float64Array,
  current: Float64Array,
  splits: Int32Array | undefined,
  q: number,
  lo: number,
  hi: number,
  splitLo: number,
  splitHi: number,
): void {
  if (lo > hi) return;
  const { weight, sum, squares } = costs;
  const i = (lo + hi) >>> 1;
  const from = Math.max(splitLo, q);
  const last = Math.min(splitHi, i);
  const w1 = weight[i + 1];
  const s1 = sum[i + 1];
  const q1 = squares[i + 1];
  let bestCost = Infinity;
  let bestSplit = from;
  for (let j = from; j <= last; j++) {
    const s = s1 - sum[j];
    const cost = previous[j - 1] + (q1 - squares[j] - (s * s) / (w1 - weight[j]));
    if (cost < bestCost) {
      bestCost = cost;
      bestSplit = j;
    }
  }
  current[i] = bestCost;
  if (splits !== undefined) splits[i] = bestSplit;
  solveFreeRow(costs, previous, current, splits, q, lo, i - 1, splitLo, bestSplit);
  solveFreeRow(costs, previous, current, splits, q, i + 1, hi, bestSplit, splitHi);
}

/**
 * As solveFreeRow, but the run j..i is priced around the pinned value instead of its mean, and
 * must satisfy j ≤ startMax and i + 1 ≥ endMin. Rows without a valid j get Infinity; they are
 * always the smallest i, so they never constrain the splits of feasible rows.
 */
function solvePinnedRow(
  costs: RunCosts,
  previous: Float64Array,
  current: Float64Array,
  splits: Int32Array,
  q: number,
  lo: number,
  hi: number,
  splitLo: number,
  splitHi: number,
): void {
  if (lo > hi) return;
  const { weight, sum, squares, pinned } = costs;
  const i = (lo + hi) >>> 1;
  const from = Math.max(splitLo, q);
  const last = i + 1 >= costs.endMin ? Math.min(splitHi, i, costs.startMax) : -1;
  const w1 = weight[i + 1];
  const s1 = sum[i + 1];
  const q1 = squares[i + 1];
  let bestCost = Infinity;
  let bestSplit = from;
  for (let j = from; j <= last; j++) {
    // Σ w(x − p)² = Σ w x² − 2p Σ w x + p² Σ w, in shifted units.
    const cost = previous[j - 1] + (q1 - squares[j]) - 2 * pinned * (s1 - sum[j]) + pinned * pinned * (w1 - weight[j]);
    if (cost < bestCost) {
      bestCost = cost;
      bestSplit = j;
    }
  }
  current[i] = bestCost;
  splits[i] = bestSplit;
  solvePinnedRow(costs, previous, current, splits, q, lo, i - 1, splitLo, bestSplit);
  solvePinnedRow(costs, previous, current, splits, q, i + 1, hi, bestSplit, splitHi);
}

import { optimalRuns, type PinnedRun } from './optimal-runs.js';
import { PrefixSums } from './prefix-sums.js';
import { pinnedRun, type SortedSamples } from './sorted-samples.js';

/**
 * Starting centroids from an exact DP restricted to a grid of candidate run boundaries.
 *
 * The optimal clustering over all n samples costs O(k·n log n) (seconds at 10^6); restricting run
 * boundaries to ~16k well-placed candidates costs O(k²·log k) and gives the best clustering among
 * those boundaries — globally, so multimodal data and point masses are handled, not just the basin
 * a random seed falls into. Lloyd then moves the boundaries off the grid to a nearby fixed point.
 *
 * Candidates: (a) quantiles of the p^(1/3)-companded distribution — high-resolution quantisation
 * theory (Panter & Dite) puts optimal centroids at density ∝ p^(1/3), so every optimal cell holds
 * about the same number of candidates; (b) weight quantiles, taking both ends of the run of equal
 * values at each quantile so a point mass (e.g. ReLU zeros) can be isolated in its own cluster.
 * With few distinct values every gap between them is a candidate and the result is exact.
 *
 * Returns undefined when the grid has fewer than k cells (the caller falls back to k-means++).
 */
export function gridSeed(
  samples: SortedSamples,
  k: number,
  pinned: number | undefined,
  gridSize: number,
): Float64Array | undefined {
  const pin = pinnedRun(samples, pinned);
  const positions =
    samples.distinctCount(gridSize) <= gridSize ? distinctRunEnds(samples) : gridPositions(samples, gridSize, pin);
  const cells = positions.length - 1;
  if (cells < k) return undefined;
  const prefix = samples.prefix;
  const weight = new Float64Array(cells + 1);
  const sum = new Float64Array(cells + 1);
  const squares = new Float64Array(cells + 1);
  for (let i = 0; i <= cells; i++) {
    const p = positions[i];
    weight[i] = prefix.weightBefore(p);
    sum[i] = prefix.sum[p];
    squares[i] = prefix.squares[p];
  }
  const grid = new PrefixSums(weight, sum, squares, prefix.shift);
  const gridPin = pin && {
    value: pin.value,
    startMax: positions.indexOf(pin.startMax),
    endMin: positions.indexOf(pin.endMin),
  };
  const { starts, pinnedRun: pinnedIndex } = optimalRuns(grid, k, gridPin);
  const centroids = new Float64Array(k);
  for (let q = 0; q < k; q++) {
    centroids[q] = q === pinnedIndex ? pinned! : grid.mean(starts[q], q + 1 < k ? starts[q + 1] : cells);
    if (q > 0 && !(centroids[q - 1] < centroids[q])) return undefined;
  }
  return centroids;
}

/** 0, the end of every run of equal values, and n. */
function distinctRunEnds(samples: SortedSamples): Int32Array {
  const x = samples.values;
  const ends = [0];
  for (let i = 1; i < x.length; i++) if (x[i] !== x[i - 1]) ends.push(i);
  ends.push(x.length);
  return Int32Array.from(ends);
}

/** Number of equal-weight bins for the density estimate behind the companded grid. */
const DENSITY_BINS = 256;

function gridPositions(samples: SortedSamples, gridSize: number, pin: PinnedRun | undefined): Int32Array {
  const x = samples.values;
  const n = x.length;
  const prefix = samples.prefix;
  const total = prefix.weightBefore(n);
  const half = Math.max(2, gridSize >> 1);
  const positions: number[] = pin === undefined ? [0, n] : [0, n, pin.startMax, pin.endMin];

  // (a) The companded grid: cumulative ∫p^(1/3) over equal-weight bins, where a bin of weight w
  // spanning Δx contributes (w/Δx)^(1/3)·Δx = (w·Δx²)^(1/3), then equal steps of that cumulative.
  const bins = Math.min(DENSITY_BINS, n);
  const edges = new Int32Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = quantileIndex(prefix, (b * total) / bins, n);
  const low = new Float64Array(bins);
  const span = new Float64Array(bins);
  const cumulative = new Float64Array(bins + 1);
  for (let b = 0; b < bins; b++) {
    low[b] = x[Math.min(edges[b], n - 1)];
    span[b] = x[Math.min(edges[b + 1], n - 1)] - low[b];
    const w = prefix.weightBefore(edges[b + 1]) - prefix.weightBefore(edges[b]);
    cumulative[b + 1] = cumulative[b] + Math.cbrt(w * span[b] * span[b]);
  }
  const mass = cumulative[bins];
  for (let t = 1, b = 0; t < half && mass > 0; t++) {
    const target = (t * mass) / half;
    while (b + 1 < bins && cumulative[b + 1] < target) b++;
    const inBin = cumulative[b + 1] - cumulative[b];
    const v = low[b] + (inBin > 0 ? (span[b] * (target - cumulative[b])) / inBin : 0);
    positions.push(samples.countAtMost(v));
  }

  // (b) Weight quantiles, both ends of the run of equal values there.
  for (let t = 1; t < half; t++) {
    const v = x[Math.min(quantileIndex(prefix, (t * total) / half, n), n - 1)];
    const below = samples.countBelow(v);
    const atMost = samples.countAtMost(v, below);
    positions.push(atMost);
    if (atMost - below > 1) positions.push(below);
  }
  const sorted = Int32Array.from(positions).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i];
  return sorted.slice(0, unique);
}

/** The first index i with weightBefore(i) ≥ target (n if none). */
function quantileIndex(prefix: PrefixSums, target: number, n: number): number {
  if (prefix.weight === undefined) return Math.min(n, Math.ceil(target));
  const w = prefix.weight;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

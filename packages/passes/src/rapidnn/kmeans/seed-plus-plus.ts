import { PimcError, type Rng } from '@pimc/support';
import { midpoint } from './nearest.js';
import type { SortedSamples } from './sorted-samples.js';

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007) on sorted samples: each new centre is a sample
 * drawn with probability proportional to its weighted squared distance to the nearest centre so
 * far. In 1-D the points nearest each centre form a contiguous run, and the D² mass of any prefix
 * of a run is a prefix-sum expression, so a draw is a walk over ≤ k runs plus one binary search —
 * O(k log n) per centre instead of the usual O(n).
 *
 * `pinned` (forceZero) is the first centre; it is never drawn. Returns k ascending centres; the
 * caller guarantees more than k distinct values (or k − 1 plus the pinned one).
 */
export function seedPlusPlus(samples: SortedSamples, k: number, rng: Rng, pinned: number | undefined): Float64Array {
  const x = samples.values;
  const n = x.length;
  const centres: number[] = pinned === undefined ? [x[drawByWeight(samples, rng)]] : [pinned];
  const ends = new Int32Array(k);
  const costs = new Float64Array(k);
  while (centres.length < k) {
    const m = centres.length;
    let total = 0;
    for (let j = 0; j < m; j++) {
      const start = j === 0 ? 0 : ends[j - 1];
      ends[j] = j + 1 === m ? n : samples.countAtMost(midpoint(centres[j], centres[j + 1]), start);
      costs[j] = samples.prefix.sseAround(start, ends[j], centres[j]);
      total += costs[j];
    }
    const next = total > 0 ? drawByDistance(samples, centres, ends, costs, rng.next() * total) : undefined;
    insertAscending(centres, next !== undefined && !centres.includes(next) ? next : firstValueNotIn(x, centres));
  }
  return Float64Array.from(centres);
}

/** Index of a sample drawn with probability proportional to its weight. */
function drawByWeight(samples: SortedSamples, rng: Rng): number {
  const n = samples.length;
  const u = rng.next() * samples.prefix.weightBefore(samples.length);
  if (samples.prefix.weight === undefined) return Math.min(n - 1, Math.floor(u));
  // The first i whose prefix weight through i exceeds u.
  const pw = samples.prefix.weight;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pw[mid + 1] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The sample at D²-mass position u, or undefined if rounding made it land on a centre. */
function drawByDistance(
  samples: SortedSamples,
  centres: readonly number[],
  ends: Int32Array,
  costs: Float64Array,
  u: number,
): number | undefined {
  const m = centres.length;
  let j = 0;
  let rest = u;
  while (j + 1 < m && (rest >= costs[j] || costs[j] === 0)) rest -= costs[j++];
  const start = j === 0 ? 0 : ends[j - 1];
  const end = ends[j];
  const c = centres[j];
  // Smallest i in (start, end] whose run [start, i) already holds more than `rest`.
  let lo = start + 1;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples.prefix.sseAround(start, mid, c) > rest) hi = mid;
    else lo = mid + 1;
  }
  const x = samples.values;
  if (end > start && x[lo - 1] !== c) return x[lo - 1];
  // Rounding picked the centre itself: take the farther end of its run instead.
  if (end <= start) return undefined;
  const far = c - x[start] >= x[end - 1] - c ? x[start] : x[end - 1];
  return far !== c ? far : undefined;
}

function firstValueNotIn(values: Float64Array, centres: readonly number[]): number {
  const taken = new Set(centres);
  for (const v of values) if (!taken.has(v)) return v;
  throw new PimcError('internal', 'k-means++: fewer distinct values than centres');
}

function insertAscending(sorted: number[], v: number): void {
  let i = sorted.length;
  sorted.push(v);
  while (i > 0 && sorted[i - 1] > v) {
    sorted[i] = sorted[i - 1];
    i--;
  }
  sorted[i] = v;
}

import { PimcError } from '@pimc/support';
import type { PinnedRun } from './optimal-runs.js';
import { PrefixSums } from './prefix-sums.js';
import { isAscending, sortedFloat64 } from './sort-floats.js';

/**
 * Samples sorted once, with prefix sums: every 1-D cluster is a contiguous run of them, its
 * statistics cost O(1), and the run of samples nearest a centroid is found by binary search.
 */
export class SortedSamples {
  private constructor(
    /** Ascending values (float64), zero-weight samples removed, -0 stored as +0. */
    readonly values: Float64Array,
    readonly prefix: PrefixSums,
  ) {}

  /**
   * Validates, sorts and summarises `values`, optionally weighted (e.g. a histogram: bin values
   * with counts). `where` names the caller in error messages.
   */
  static from(values: ArrayLike<number>, weights: ArrayLike<number> | undefined, where: string): SortedSamples {
    checkFinite(values, 'values', where);
    if (weights === undefined) {
      const sorted = sortedFloat64(values);
      return new SortedSamples(sorted, prefixSums(sorted, undefined));
    }
    if (weights.length !== values.length) {
      throw new PimcError('invalid-input', `${where}: weights has ${weights.length} entries but values has ${values.length}`);
    }
    checkFinite(weights, 'weights', where);
    const kept: number[] = [];
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] < 0) throw new PimcError('invalid-input', `${where}: weights[${i}] = ${weights[i]} is negative`);
      if (weights[i] > 0) kept.push(i);
    }
    // Histogram inputs are usually ascending already; otherwise sort the index list.
    if (!isAscending(kept.map((i) => values[i]))) kept.sort((a, b) => values[a] - values[b]);
    const sorted = Float64Array.from(kept, (i) => values[i] + 0); // -0 + 0 is +0
    return new SortedSamples(
      sorted,
      prefixSums(
        sorted,
        Float64Array.from(kept, (i) => weights[i]),
      ),
    );
  }

  get length(): number {
    return this.values.length;
  }

  /** Number of values ≤ v, knowing the answer lies in [lo, hi]. */
  countAtMost(v: number, lo = 0, hi = this.values.length): number {
    const x = this.values;
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (x[m] <= v) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Number of values < v, knowing the answer lies in [lo, hi]. */
  countBelow(v: number, lo = 0, hi = this.values.length): number {
    const x = this.values;
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (x[m] < v) a = m + 1;
      else b = m;
    }
    return a;
  }

  /**
   * Number of values ≤ v in [lo, hi], searching outward from `guess` (galloping): boundaries
   * that moved little since the last Lloyd step cost a few cache-local probes, not log n misses.
   */
  countAtMostNear(v: number, guess: number, lo: number, hi: number): number {
    const x = this.values;
    const g = Math.min(Math.max(guess, lo), hi);
    let a: number;
    let b: number;
    if (g > lo && !(x[g - 1] <= v)) {
      // The answer is below g: step down until x[p − 1] ≤ v.
      b = g - 1;
      let step = 1;
      a = b - step;
      while (a > lo && !(x[a - 1] <= v)) {
        b = a - 1;
        step *= 2;
        a = b - step;
      }
      a = Math.max(a, lo);
    } else {
      // The answer is g or above: step up until x[p] > v.
      a = g;
      let step = 1;
      b = a + step;
      while (b < hi && x[b - 1] <= v) {
        a = b;
        step *= 2;
        b = a + step;
      }
      b = Math.min(b, hi);
    }
    return this.countAtMost(v, a, b);
  }

  /** Number of distinct values, counting no further than `limit + 1`. */
  distinctCount(limit: number): number {
    const x = this.values;
    if (x.length === 0) return 0;
    let count = 1;
    for (let i = 1; i < x.length && count <= limit; i++) if (x[i] !== x[i - 1]) count++;
    return count;
  }

  /** The distinct values, ascending. */
  distinctValues(): Float64Array {
    const x = this.values;
    const out: number[] = [];
    for (let i = 0; i < x.length; i++) if (i === 0 || x[i] !== x[i - 1]) out.push(x[i]);
    return Float64Array.from(out);
  }
}

function prefixSums(values: Float64Array, weights: Float64Array | undefined): PrefixSums {
  const n = values.length;
  const shift = n === 0 ? 0 : values[n >> 1];
  const sum = new Float64Array(n + 1);
  const squares = new Float64Array(n + 1);
  let s = 0;
  let q = 0;
  if (weights === undefined) {
    for (let i = 0; i < n; i++) {
      const d = values[i] - shift;
      s += d;
      q += d * d;
      sum[i + 1] = s;
      squares[i + 1] = q;
    }
    return new PrefixSums(undefined, sum, squares, shift);
  }
  const weight = new Float64Array(n + 1);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights[i];
    const d = values[i] - shift;
    w += wi;
    s += wi * d;
    q += wi * d * d;
    weight[i + 1] = w;
    sum[i + 1] = s;
    squares[i + 1] = q;
  }
  return new PrefixSums(weight, sum, squares, shift);
}

function checkFinite(values: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // One comparison per element on the fast path; NaN and ±Infinity both fail it.
    if (!(v - v === 0)) {
      throw new PimcError('invalid-input', `${where}: ${name}[${i}] is ${v}; k-means needs finite numbers`);
    }
  }
}

/** The distinct values (with 0 added under forceZero) when they fit in k centroids: SSE 0. */
export function exactIfFew(samples: SortedSamples, k: number, forceZero: boolean): Float64Array | undefined {
  const distinct = samples.distinctCount(k);
  if (distinct > k) return undefined;
  const exact = samples.distinctValues();
  if (!forceZero || exact.includes(0)) return exact;
  return distinct < k ? Float64Array.from([...exact, 0]).sort() : undefined;
}

/** Where a pinned value sits among the sorted samples (see PinnedRun). */
export function pinnedRun(samples: SortedSamples, value: number | undefined): PinnedRun | undefined {
  if (value === undefined) return undefined;
  return { value, startMax: samples.countBelow(value), endMin: samples.countAtMost(value) };
}

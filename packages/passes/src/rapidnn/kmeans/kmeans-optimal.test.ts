import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import { kmeans1dOptimal, kmeans1dOptimalSse } from './kmeans-optimal.js';
import { bruteForceSse, samples, strictlyAscending } from './test-data.testing.js';

/**
 * The k-means optimum by exhaustive search: every split of the sorted values into contiguous
 * non-empty runs gives centroids (the run means), priced by assigning every value to its nearest
 * centroid. With a pinned value the centroids are k − 1 run means plus the pinned value, or k run
 * means with one of them replaced by it.
 */
function exhaustiveSse(values: readonly number[], k: number, pinned?: number): number {
  const x = [...values].sort((a, b) => a - b);
  const mean = (a: number, b: number): number => x.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  let best = Infinity;
  const visit = (start: number, centroids: number[], runs: number): void => {
    if (centroids.length === runs) {
      if (start !== x.length) return;
      if (pinned === undefined) best = Math.min(best, bruteForceSse(x, centroids));
      else if (runs < k) best = Math.min(best, bruteForceSse(x, [...centroids, pinned]));
      else for (let j = 0; j < k; j++) best = Math.min(best, bruteForceSse(x, centroids.with(j, pinned)));
      return;
    }
    for (let end = start + 1; end <= x.length - (runs - centroids.length) + 1; end++) {
      visit(end, [...centroids, mean(start, end)], runs);
    }
  };
  visit(0, [], k);
  if (pinned !== undefined && k > 1) visit(0, [], k - 1);
  return best;
}

describe('kmeans1dOptimal', () => {
  const small = Array.from(samples('bimodal', 11, 3));

  it.each([1, 2, 3, 5])('matches an exhaustive search over contiguous splits (k = %i)', (k) => {
    const { centroids, sse } = kmeans1dOptimal(small, k);
    expect(sse).toBeCloseTo(exhaustiveSse(small, k), 10);
    expect(bruteForceSse(small, centroids)).toBeCloseTo(sse, 10);
    expect(strictlyAscending(centroids)).toBe(true);
    expect(kmeans1dOptimalSse(small, k)).toBeCloseTo(sse, 12);
  });

  const aroundZero = [0, 0, 0, 0.1, 0.3, -0.2, 0.05, 1, 2, -1, -0.6];
  it.each([1, 2, 4])('matches an exhaustive search with a pinned zero (k = %i)', (k) => {
    for (const values of [small, aroundZero, small.map((v) => v + 3), small.map((v) => v - 6)]) {
      const { centroids, sse } = kmeans1dOptimal(values, k, { forceZero: true });
      expect(sse).toBeCloseTo(exhaustiveSse(values, k, 0), 10);
      expect(bruteForceSse(values, centroids)).toBeCloseTo(sse, 10);
      expect(centroids.some((c) => Object.is(c, 0))).toBe(true);
      expect(strictlyAscending(centroids)).toBe(true);
      expect(kmeans1dOptimalSse(values, k, { forceZero: true })).toBeCloseTo(sse, 12);
    }
  });

  it('solves the RAPIDNN worked example (algorithms.md §2.4)', () => {
    const cW = kmeans1dOptimal([0.9, -0.4, 0.1, 0.85, -0.35, 0.12], 3).centroids;
    expect(Array.from(cW)).toEqual([expect.closeTo(-0.375, 4), expect.closeTo(0.11, 4), expect.closeTo(0.875, 4)]);
    const cU = kmeans1dOptimal([0.2, 0.75, 0.8, 0.1, 0.7, 0.25], 2).centroids;
    expect(Array.from(cU)).toEqual([expect.closeTo(0.18333, 4), expect.closeTo(0.75, 4)]);
  });

  it('weights act as repeat counts', () => {
    const values = [0.5, -1, 2, 0.25, 3];
    const weights = [3, 1, 2, 0, 4];
    const expanded = values.flatMap((v, i) => Array<number>(weights[i]).fill(v));
    const weighted = kmeans1dOptimal(values, 2, { weights });
    const plain = kmeans1dOptimal(expanded, 2);
    expect(weighted.sse).toBeCloseTo(plain.sse, 12);
    expect(Array.from(weighted.centroids)).toEqual(Array.from(plain.centroids).map((c) => expect.closeTo(c, 12)));
  });

  it('returns the distinct values when they fit in k', () => {
    expect(kmeans1dOptimal([2, 2, -1], 5)).toEqual({ centroids: Float64Array.from([-1, 2]), sse: 0 });
    expect(kmeans1dOptimalSse([2, 2, -1], 2)).toBe(0);
  });

  it('points to the SSE-only variant when the back-pointer table would be too big', () => {
    let caught: unknown;
    try {
      kmeans1dOptimal(samples('gaussian', 1 << 20, 4), 64);
    } catch (e) {
      caught = e;
    }
    expect(isPimcError(caught, 'invalid-input')).toBe(true);
    expect((caught as Error).message).toContain('kmeans1dOptimalSse');
  });
});

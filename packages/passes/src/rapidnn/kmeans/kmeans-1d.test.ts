import { describe, expect, it } from 'vitest';
import { isPimcError, Rng } from '@pimc/support';
import { kmeans1d, type Kmeans1dInit } from './kmeans-1d.js';
import { kmeans1dOptimal } from './kmeans-optimal.js';
import { assign } from './nearest.js';
import { bruteForceSse, samples, strictlyAscending, type Shape } from './test-data.testing.js';

const INITS: readonly Kmeans1dInit[] = ['grid-dp', 'kmeans++'];

function expectInvalidInput(fn: () => unknown, mentions: string): void {
  try {
    fn();
  } catch (e) {
    expect(isPimcError(e, 'invalid-input')).toBe(true);
    expect((e as Error).message).toContain(mentions);
    return;
  }
  expect.fail(`expected a PimcError('invalid-input') mentioning ${mentions}`);
}

describe('kmeans1d: the RAPIDNN worked example (algorithms.md §2.4)', () => {
  it.each(INITS)('clusters the weights and inputs of the example (%s)', (init) => {
    const w = [0.9, -0.4, 0.1, 0.85, -0.35, 0.12];
    const cW = kmeans1d(w, 3, { rng: new Rng(1), init }).centroids;
    expect(Array.from(cW)).toEqual([expect.closeTo(-0.375, 4), expect.closeTo(0.11, 4), expect.closeTo(0.875, 4)]);
    expect(Array.from(assign(w, cW))).toEqual([2, 0, 1, 2, 0, 1]);

    const x = [0.2, 0.75, 0.8, 0.1, 0.7, 0.25];
    const cU = kmeans1d(x, 2, { rng: new Rng(1), init }).centroids;
    expect(Array.from(cU)).toEqual([expect.closeTo(0.18333, 4), expect.closeTo(0.75, 4)]);
    expect(Array.from(assign(x, cU))).toEqual([0, 1, 1, 0, 1, 0]);
  });
});

describe('kmeans1d: few distinct values are reproduced exactly', () => {
  it.each([4, 5, 100])('k = %i with 4 distinct values returns them with SSE 0', (k) => {
    const result = kmeans1d([3, 1, 2, 3, 1, -0, 0, 2], k, { rng: new Rng(2) });
    expect(Array.from(result.centroids)).toEqual([0, 1, 2, 3]);
    expect(Object.is(result.centroids[0], 0)).toBe(true); // -0 comes out as +0
    expect(result.sse).toBe(0);
    expect(result.converged).toBe(true);
  });

  it('returns the distinct values when n < k', () => {
    expect(Array.from(kmeans1d([0.5, -2], 8, { rng: new Rng(3) }).centroids)).toEqual([-2, 0.5]);
  });

  it('returns one centroid for values that are all equal', () => {
    const result = kmeans1d(new Float32Array(1000).fill(0.25), 64, { rng: new Rng(4) });
    expect(Array.from(result.centroids)).toEqual([0.25]);
    expect(result.sse).toBe(0);
  });

  it('adds an exact 0 under forceZero when it still fits', () => {
    expect(Array.from(kmeans1d([1, 2, 1], 3, { rng: new Rng(5), forceZero: true }).centroids)).toEqual([0, 1, 2]);
  });
});

describe('kmeans1d: close to the exact optimum', () => {
  const shapes: readonly Shape[] = ['gaussian', 'laplacian', 'bimodal', 'relu'];
  const cases = shapes.flatMap((shape) => [4, 16, 64].map((k) => ({ shape, k })));

  it.each(cases)('grid-dp start + Lloyd is within 1% of the DP optimum ($shape, k = $k)', ({ shape, k }) => {
    const values = samples(shape, 3000, 11);
    const optimum = kmeans1dOptimal(values, k).sse;
    const result = kmeans1d(values, k, { rng: new Rng(6) });
    expect(result.centroids.length).toBe(k);
    expect(result.sse).toBeGreaterThanOrEqual(optimum * (1 - 1e-9));
    expect(result.sse).toBeLessThanOrEqual(optimum * 1.01);
  });

  it.each(['gaussian', 'laplacian'] as const)('k-means++ + Lloyd is within 1% of the optimum at small k (%s)', (shape) => {
    const values = samples(shape, 3000, 12);
    const optimum = kmeans1dOptimal(values, 4).sse;
    const result = kmeans1d(values, 4, { rng: new Rng(7), init: 'kmeans++' });
    expect(result.sse).toBeLessThanOrEqual(optimum * 1.01);
  });

  it('reports the SSE of its own nearest-centroid assignment', () => {
    const values = samples('laplacian', 5000, 13);
    for (const init of INITS) {
      const { centroids, sse } = kmeans1d(values, 32, { rng: new Rng(8), init });
      expect(sse).toBeCloseTo(bruteForceSse(values, centroids), 9);
      const codes = assign(values, centroids);
      let direct = 0;
      for (let i = 0; i < values.length; i++) direct += (values[i] - centroids[codes[i]]) ** 2;
      expect(sse).toBeCloseTo(direct, 9);
    }
  });

  it('k = 1 gives the mean and the total sum of squares', () => {
    const values = [1, 2, 4, 9];
    const result = kmeans1d(values, 1, { rng: new Rng(9) });
    expect(result.centroids[0]).toBeCloseTo(4, 12);
    expect(result.sse).toBeCloseTo(9 + 4 + 0 + 25, 12);
  });
});

describe('kmeans1d: invariants', () => {
  const configs = [
    { shape: 'gaussian' as const, n: 50, k: 40 },
    { shape: 'bimodal' as const, n: 500, k: 7 },
    { shape: 'relu' as const, n: 20_000, k: 64 },
    { shape: 'laplacian' as const, n: 5000, k: 200 },
  ];

  it.each(configs)('centroids are strictly ascending ($shape, n = $n, k = $k)', ({ shape, n, k }) => {
    const values = samples(shape, n, 14);
    for (const init of INITS) {
      for (const forceZero of [false, true]) {
        const { centroids } = kmeans1d(values, k, { rng: new Rng(10), init, forceZero });
        expect(strictlyAscending(centroids)).toBe(true);
        expect(centroids.length).toBeLessThanOrEqual(k);
      }
    }
  });

  it('is deterministic for a seed', () => {
    const values = samples('bimodal', 2000, 15);
    for (const init of INITS) {
      const a = kmeans1d(values, 32, { rng: new Rng(11), init });
      const b = kmeans1d(values, 32, { rng: new Rng(11), init });
      expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
      expect(a.sse).toBe(b.sse);
    }
  });

  it('k-means++ starts depend on the seed', () => {
    const values = samples('laplacian', 1000, 16);
    const sses = new Set([1, 2, 3, 4].map((seed) => kmeans1d(values, 64, { rng: new Rng(seed), init: 'kmeans++' }).sse));
    expect(sses.size).toBeGreaterThan(1);
  });

  it('stops at the iteration cap and says so', () => {
    const values = samples('gaussian', 20_000, 17);
    const capped = kmeans1d(values, 64, { rng: new Rng(12), init: 'kmeans++', iterations: 2, restarts: 1 });
    expect(capped.iterations).toBe(2);
    expect(capped.converged).toBe(false);
    const free = kmeans1d(values, 64, { rng: new Rng(12), init: 'kmeans++', restarts: 1, iterations: 100_000 });
    expect(free.converged).toBe(true);
    expect(free.sse).toBeLessThan(capped.sse);
  });
});

describe('kmeans1d: forceZero', () => {
  it.each(INITS)('keeps an exact 0 and stays close to the pinned optimum (%s)', (init) => {
    const values = samples('relu', 4000, 18);
    const optimum = kmeans1dOptimal(values, 16, { forceZero: true }).sse;
    const result = kmeans1d(values, 16, { rng: new Rng(13), init, forceZero: true });
    expect(result.centroids.length).toBe(16);
    expect(result.centroids.some((c) => Object.is(c, 0))).toBe(true);
    expect(result.sse).toBeGreaterThanOrEqual(optimum * (1 - 1e-9));
    expect(result.sse).toBeLessThanOrEqual(optimum * (init === 'grid-dp' ? 1.01 : 1.05));
  });

  it('pins 0 even when no value is near it', () => {
    const values = samples('gaussian', 3000, 19).map((v) => v + 5);
    for (const init of INITS) {
      const { centroids } = kmeans1d(values, 8, { rng: new Rng(14), init, forceZero: true });
      expect(centroids[0]).toBe(0);
      expect(centroids.length).toBe(8);
      expect(strictlyAscending(centroids)).toBe(true);
    }
  });

  it('without forceZero the zero cluster of ReLU data absorbs small positives', () => {
    const values = samples('relu', 4000, 20);
    const free = kmeans1d(values, 16, { rng: new Rng(15) }).centroids;
    expect(free[0]).toBeGreaterThan(0);
    const pinned = kmeans1d(values, 16, { rng: new Rng(15), forceZero: true }).centroids;
    expect(pinned[0]).toBe(0);
  });
});

describe('kmeans1d: weighted input (histograms)', () => {
  it('a histogram gives the same clustering as the expanded values', () => {
    const codes = Float64Array.from({ length: 256 }, (_, i) => i - 128);
    const counts = codes.map((c) => Math.round(1000 * Math.exp(-((c / 30) ** 2))));
    const expanded: number[] = [];
    codes.forEach((c, i) => {
      for (let t = 0; t < counts[i]; t++) expanded.push(c);
    });
    for (const init of INITS) {
      const fromHistogram = kmeans1d(codes, 16, { rng: new Rng(16), init, weights: counts });
      const fromValues = kmeans1d(expanded, 16, { rng: new Rng(16), init });
      expect(Array.from(fromHistogram.centroids)).toEqual(Array.from(fromValues.centroids).map((c) => expect.closeTo(c, 9)));
      expect(fromHistogram.sse).toBeCloseTo(fromValues.sse, 6);
      expect(fromHistogram.sse).toBeCloseTo(bruteForceSse(codes, fromHistogram.centroids, counts), 6);
    }
  });

  it('is within 1% of the weighted optimum on an unsorted fine histogram', () => {
    const rng = new Rng(17);
    const values = Float64Array.from({ length: 4000 }, () => rng.normal(0, 1));
    const weights = Float64Array.from(values, () => rng.int(0, 5));
    const optimum = kmeans1dOptimal(values, 32, { weights }).sse;
    const { sse } = kmeans1d(values, 32, { rng: new Rng(18), weights });
    expect(sse).toBeGreaterThanOrEqual(optimum * (1 - 1e-9));
    expect(sse).toBeLessThanOrEqual(optimum * 1.01);
  });
});

describe('kmeans1d: invalid input', () => {
  it('names a NaN or infinite value', () => {
    expectInvalidInput(() => kmeans1d([1, 2, NaN, 4], 2, { rng: new Rng(1) }), 'values[2] is NaN');
    expectInvalidInput(() => kmeans1d(new Float32Array([1, Infinity]), 2, { rng: new Rng(1) }), 'values[1] is Infinity');
  });

  it.each([0, -1, 2.5, NaN])('rejects k = %s', (k) => {
    expectInvalidInput(() => kmeans1d([1, 2, 3], k, { rng: new Rng(1) }), `k = ${k}`);
  });

  it('rejects bad options and weights', () => {
    const rng = new Rng(1);
    expectInvalidInput(() => kmeans1d([], 2, { rng }), 'no values');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, weights: [1] }), 'weights has 1 entries');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, weights: [1, -1] }), 'weights[1] = -1');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, weights: [0, 0] }), 'no values');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, restarts: 0 }), 'restarts');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, iterations: 1.5 }), 'iterations');
    expectInvalidInput(() => kmeans1d([1, 2], 2, { rng, tolerance: -1 }), 'tolerance');
  });
});

import { describe, expect, it } from 'vitest';
import { isPimcError, Rng } from '@pimc/support';
import { assign, midpoint, nearestIndex } from './nearest.js';

/** argmin_j |x − c_j|, the lowest j on a tie: the definition `nearestIndex` must match. */
function bruteNearest(centroids: ArrayLike<number>, x: number): number {
  let best = 0;
  for (let j = 1; j < centroids.length; j++) if (Math.abs(x - centroids[j]) < Math.abs(x - centroids[best])) best = j;
  return best;
}

describe('nearestIndex / assign', () => {
  it('sends a value exactly halfway to the lower index', () => {
    const c = [0, 1, 3, 3.5];
    expect(nearestIndex(c, 0.5)).toBe(0);
    expect(nearestIndex(c, 2)).toBe(1);
    expect(nearestIndex(c, 3.25)).toBe(2);
    expect(nearestIndex(c, 0.5000001)).toBe(1);
    expect(Array.from(assign([0.5, 2, 3.25, 0.5000001], c))).toEqual([0, 1, 2, 1]);
  });

  it('handles values outside the centroid range and a single centroid', () => {
    expect(nearestIndex([1, 2], -100)).toBe(0);
    expect(nearestIndex([1, 2], 100)).toBe(1);
    expect(nearestIndex([7], -3)).toBe(0);
    expect(Array.from(assign([1, -5, 9], [7]))).toEqual([0, 0, 0]);
  });

  it('agrees with a brute-force nearest search, ties included', () => {
    const rng = new Rng(1);
    // Centroids on a coarse dyadic grid so exact ties (midpoints) occur among the probes.
    const centroids = Array.from(new Set(Array.from({ length: 40 }, () => rng.int(-64, 64) / 8))).sort((a, b) => a - b);
    const probes = Array.from({ length: 5000 }, () => rng.int(-600, 600) / 64);
    const codes = assign(probes, centroids);
    probes.forEach((x, i) => {
      const expected = bruteNearest(centroids, x);
      expect(nearestIndex(centroids, x)).toBe(expected);
      expect(codes[i]).toBe(expected);
    });
  });

  it('uses 8-bit codes up to 256 centroids and 16-bit codes above', () => {
    const c256 = Float64Array.from({ length: 256 }, (_, i) => i);
    const c257 = Float64Array.from({ length: 257 }, (_, i) => i);
    expect(assign([255.2], c256)).toBeInstanceOf(Uint8Array);
    expect(Array.from(assign([255.2], c256))).toEqual([255]);
    expect(assign([256.4], c257)).toBeInstanceOf(Uint16Array);
    expect(Array.from(assign([256.4], c257))).toEqual([256]);
  });

  it('midpoint is exact for a value exactly halfway, even near overflow', () => {
    expect(midpoint(0.1, 0.3)).toBe((0.1 + 0.3) / 2);
    expect(midpoint(Number.MAX_VALUE, Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
    expect(nearestIndex([-Number.MAX_VALUE, Number.MAX_VALUE], 0)).toBe(0);
  });

  it('rejects NaN, no centroids and centroids out of order', () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return isPimcError(e) ? `${e.code}: ${e.message}` : 'other';
      }
      return undefined;
    };
    expect(codeOf(() => nearestIndex([1, 2], NaN))).toBe('invalid-input: nearestIndex: x is NaN');
    expect(codeOf(() => nearestIndex([], 1))).toContain('invalid-input');
    expect(codeOf(() => assign([1, NaN], [0, 1]))).toBe('invalid-input: assign: values[1] is NaN');
    expect(codeOf(() => assign([1], [1, 1]))).toContain('strictly ascending');
    expect(codeOf(() => assign([1], [2, 1]))).toContain('[0] = 2 and [1] = 1');
  });
});

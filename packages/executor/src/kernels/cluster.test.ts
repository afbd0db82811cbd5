import { describe, expect, it } from 'vitest';
import { clusterBoundaries, clusterIndex, Tensor } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { runOp } from './run-op.testing.js';

/** Nearest centroid by a linear scan over real distances: ties and NaN go to the lower centroid. */
function naiveNearest(x: number, centroids: readonly number[]): number {
  if (Number.isNaN(x)) return centroids[0]!;
  let best = 0;
  for (let j = 1; j < centroids.length; j++) {
    if (Math.abs(x - centroids[j]!) < Math.abs(x - centroids[best]!)) best = j;
  }
  return centroids[best]!;
}

const cluster = (x: Tensor, centroids: readonly number[]) => runOp('PimCluster', [x], { attrs: { centroids } })[0]!;

describe('PimCluster kernel', () => {
  it('maps every element to the nearest centroid, keeping the shape', () => {
    const rng = new Rng(5);
    const centroids = Array.from(new Set(Array.from({ length: 40 }, () => Math.fround(rng.normal(0, 2))))).sort((a, b) => a - b);
    const x = Tensor.from('float32', [2, 3, 50], rng.float32Array(300, -8, 8));
    const y = cluster(x, centroids);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 3, 50]);
    expect(y.toNumbers()).toEqual(x.toNumbers().map((v) => naiveNearest(v, centroids)));
  });

  it('sends an exact tie to the lower centroid, NaN to the lowest and infinities to the ends', () => {
    const centroids = [-1, 0, 0.5, 2];
    const x = Tensor.from('float32', [7], [-0.5, 0.25, 1.25, NaN, -Infinity, Infinity, 0.2500001]);
    expect(cluster(x, centroids).toNumbers()).toEqual([-1, 0, 0.5, -1, -1, 2, 0.5]);
  });

  it('agrees with the IR definition on skewed codebooks, boundary values and extremes', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 20; trial++) {
      const k = rng.int(2, 256);
      // Most centroids packed near 0, a few far out: many boundaries share a grid cell.
      const raw = Array.from({ length: k }, () => Math.fround(rng.normal() ** 3 * (rng.next() < 0.05 ? 1e4 : 1)));
      const centroids = [...new Set(raw)].sort((a, b) => a - b);
      const bounds = clusterBoundaries(centroids);
      const values = [
        ...Array.from({ length: 2000 }, () => Math.fround(rng.normal() ** 3 * (rng.next() < 0.1 ? 1e4 : 1))),
        ...Array.from(bounds, (b) => Math.fround(b)),
        ...centroids,
        3e38,
        -3e38,
        NaN,
      ];
      const y = cluster(Tensor.from('float32', [values.length], values), centroids).toNumbers();
      const x = Float32Array.from(values);
      expect(y).toEqual(Array.from(x, (v) => centroids[clusterIndex(bounds, v)]!));
    }
  });

  it('with one centroid, every element becomes it', () => {
    const x = Tensor.from('float32', [4], [-3, 0, NaN, 7]);
    expect(cluster(x, [0.5]).toNumbers()).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('is the identity on values that are themselves centroids', () => {
    const centroids = [-2.5, -0.125, 0, 0.375, 9];
    const x = Tensor.from('float32', [10], [...centroids, ...centroids.slice().reverse()]);
    expect(cluster(x, centroids).toNumbers()).toEqual(x.toNumbers());
  });
});

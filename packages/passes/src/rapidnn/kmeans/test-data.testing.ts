import { Rng } from '@pimc/support';

/** Seeded sample sets shaped like layer weights and activations, for the k-means tests. */
export type Shape = 'gaussian' | 'laplacian' | 'bimodal' | 'relu';

export function samples(shape: Shape, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw(shape, rng);
  return out;
}

function draw(shape: Shape, rng: Rng): number {
  switch (shape) {
    case 'gaussian':
      return rng.normal(0, 0.05);
    case 'laplacian': {
      const u = rng.next() - 0.5;
      return -0.03 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    }
    case 'bimodal':
      return rng.next() < 0.3 ? rng.normal(-1, 0.1) : rng.normal(2, 0.4);
    case 'relu':
      return Math.max(0, rng.normal(0.2, 1));
  }
}

/** Σ w·(x − nearest centroid)², by brute force over all centroids (float64). */
export function bruteForceSse(values: ArrayLike<number>, centroids: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sse = 0;
  for (let i = 0; i < values.length; i++) {
    let best = Infinity;
    for (let j = 0; j < centroids.length; j++) best = Math.min(best, (values[i] - centroids[j]) ** 2);
    sse += (weights?.[i] ?? 1) * best;
  }
  return sse;
}

/** True when every centroid is strictly greater than the one before. */
export function strictlyAscending(centroids: ArrayLike<number>): boolean {
  for (let j = 1; j < centroids.length; j++) if (!(centroids[j - 1] < centroids[j])) return false;
  return true;
}

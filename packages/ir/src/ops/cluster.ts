import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import { defineOp, required, type OpSchema } from '../op-schema.js';

/*
 * RAPIDNN's input clustering (algorithms.md §2.2, §2.3 step 1) as a float op: every element is
 * replaced by the centroid nearest to it, so the clustered float model IS the functional model the
 * lookup-table program implements. The rapidnn-cluster pass inserts it on every layer input.
 *
 * Nearest, precisely: the boundary between neighbouring centroids c[j] < c[j+1] is their midpoint
 * (c[j] + c[j+1]) / 2 computed in float64 (exact for float32 centroids of comparable magnitude), and
 * x goes to c[j] when x ≤ that boundary: an exact tie goes to the LOWER centroid, as the CAM's does.
 * NaN goes to the lowest centroid (the CAM encodes NaN as its lowest key); ±Infinity to the extreme
 * centroids.
 */

/** Most centroids one PimCluster may hold: cluster indices are u8 on the chip. */
export const MAX_CLUSTER_CENTROIDS = 256;

const clusterAttrs = {
  /** Strictly ascending, finite float32 values, 1 to 256 of them. */
  centroids: attr.floats(),
};
export type PimClusterAttrs = AttrsOf<typeof clusterAttrs>;

/**
 * Checks a centroid list (the PimCluster attribute and the codebooks the RAPIDNN passes build):
 * 1..256 finite float32 values, strictly ascending. `what` names the node or value in the message.
 */
export function checkCentroids(centroids: readonly number[], what: string): void {
  const fail = (message: string): never => {
    throw new PimcError('invalid-attribute', `${what}: centroids ${message}`);
  };
  if (centroids.length < 1 || centroids.length > MAX_CLUSTER_CENTROIDS) {
    fail(`must hold 1 to ${MAX_CLUSTER_CENTROIDS} values, not ${centroids.length}`);
  }
  centroids.forEach((c, i) => {
    if (!Number.isFinite(c)) fail(`[${i}] = ${c} is not finite`);
    if (Math.fround(c) !== c) fail(`[${i}] = ${c} is not a float32 value (round it with Math.fround)`);
    if (i > 0 && !(centroids[i - 1]! < c)) {
      fail(`must be strictly ascending, but [${i - 1}] = ${centroids[i - 1]} and [${i}] = ${c}`);
    }
  });
}

/**
 * The decision boundaries of ascending centroids: boundary j separates c[j] from c[j+1], and a value
 * equal to it belongs to c[j]. The one definition the kernel and the passes share.
 */
export function clusterBoundaries(centroids: ArrayLike<number>): Float64Array {
  const bounds = new Float64Array(Math.max(centroids.length - 1, 0));
  for (let j = 0; j + 1 < centroids.length; j++) {
    const a = centroids[j]!;
    const b = centroids[j + 1]!;
    const m = (a + b) / 2;
    // a + b overflows only near Number.MAX_VALUE, far outside float32.
    bounds[j] = Number.isFinite(m) ? m : a / 2 + b / 2;
  }
  return bounds;
}

/** Index of the centroid nearest to x given the boundaries (binary search; NaN → 0). */
export function clusterIndex(bounds: Float64Array, x: number): number {
  let lo = 0;
  let hi = bounds.length;
  // NaN fails every `x > bound` test, so it stays at index 0.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x > bounds[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const PimCluster = defineOp({
  name: 'PimCluster',
  category: 'pim',
  summary: 'RAPIDNN input clustering: each element becomes the nearest of the ascending centroids (ties and NaN → lower)',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: clusterAttrs,
  infer: (inputs, a) => {
    const what = 'PimCluster';
    const x = required(inputs, 0, what, 'X');
    if (x.dtype !== 'float32') throw new PimcError('invalid-input', `${what}: X must be float32, not ${x.dtype}`);
    // Typed attributes from a pass skip the schema, so the list is checked here.
    checkCentroids(a.centroids, what);
    return [{ dtype: 'float32', shape: x.shape }];
  },
});

/** RAPIDNN's clustering ops. */
export const clusterOps: readonly OpSchema[] = [PimCluster];

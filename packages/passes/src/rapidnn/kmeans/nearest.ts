import { PimcError } from '@pimc/support';

/**
 * Nearest-centroid lookup on strictly ascending centroids. The decision boundary between c[j]
 * and c[j+1] is their midpoint and a value exactly on it goes to the LOWER index (RAPIDNN §2.3:
 * ties go to the lower index). k-means uses the same midpoint rule, so its clusters are exactly
 * the sets `assign` produces.
 */

/** The boundary between two neighbouring centroids; exact for a value exactly halfway. */
export function midpoint(a: number, b: number): number {
  const m = (a + b) / 2;
  // a + b can overflow only for magnitudes near Number.MAX_VALUE.
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

/** Index of the centroid nearest to x (binary search; exactly halfway goes to the lower index). */
export function nearestIndex(sortedCentroids: ArrayLike<number>, x: number): number {
  if (sortedCentroids.length === 0) throw new PimcError('invalid-input', 'nearestIndex: no centroids');
  if (Number.isNaN(x)) throw new PimcError('invalid-input', 'nearestIndex: x is NaN');
  let lo = 0;
  let hi = sortedCentroids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= midpoint(sortedCentroids[mid], sortedCentroids[mid + 1])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Nearest-centroid index of every value: Uint8Array for up to 256 centroids, else Uint16Array
 * (up to 65536). The midpoints are computed once, so each value costs ⌈log2 k⌉ comparisons.
 */
export function assign(values: ArrayLike<number>, sortedCentroids: ArrayLike<number>): Uint8Array | Uint16Array {
  const k = sortedCentroids.length;
  if (k === 0) throw new PimcError('invalid-input', 'assign: no centroids');
  if (k > 65536) throw new PimcError('invalid-input', `assign: ${k} centroids do not fit 16-bit indices`);
  for (let j = 1; j < k; j++) {
    if (!(sortedCentroids[j - 1] < sortedCentroids[j])) {
      throw new PimcError(
        'invalid-input',
        `assign: centroids must be strictly ascending, but [${j - 1}] = ${sortedCentroids[j - 1]} and [${j}] = ${sortedCentroids[j]}`,
      );
    }
  }
  const bounds = new Float64Array(k - 1);
  for (let j = 0; j + 1 < k; j++) bounds[j] = midpoint(sortedCentroids[j], sortedCentroids[j + 1]);
  const out = k <= 256 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isNaN(x)) throw new PimcError('invalid-input', `assign: values[${i}] is NaN`);
    // Count the boundaries strictly below x: that many centroids lie nearer the low end.
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x <= bounds[mid]) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
  return out;
}

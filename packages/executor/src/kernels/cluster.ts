import { clusterBoundaries, clusterIndex, PimCluster, Tensor } from '@pimc/ir';
import { kernel, operand, type Kernel } from '../kernel.js';
import { floatData, float32ToOverwrite } from './nn/float.js';

/** Grid cells over the boundary range: the search of a value starts in its cell's index range. */
const GRID_CELLS = 4096;

/**
 * Nearest-centroid index with the IR's boundaries (clusterBoundaries / clusterIndex: exact ties and
 * NaN → the lower centroid), sped up by a uniform grid over [first boundary, last boundary]: each
 * cell records the index range its values can fall into, so a value costs a multiply and a binary
 * search over that range (usually 0 or 1 steps) instead of ⌈log2 k⌉ unpredictable branches.
 * Final walks correct any cell the float arithmetic put a value into wrongly, so the result is
 * exactly clusterIndex's.
 */
class NearestCentroid {
  private readonly bounds: Float64Array;
  private readonly first: Int32Array;
  private readonly lo: number;
  private readonly scale: number;

  constructor(centroids: Float32Array) {
    this.bounds = clusterBoundaries(centroids);
    const b = this.bounds;
    this.lo = b.length === 0 ? 0 : b[0]!;
    const span = b.length === 0 ? 0 : b[b.length - 1]! - this.lo;
    this.scale = span > 0 && Number.isFinite(GRID_CELLS / span) ? GRID_CELLS / span : 0;
    this.first = new Int32Array(GRID_CELLS + 1);
    for (let g = 0; g < GRID_CELLS; g++) this.first[g] = clusterIndex(b, this.scale === 0 ? this.lo : this.lo + g / this.scale);
    this.first[GRID_CELLS] = b.length;
  }

  index(x: number): number {
    const b = this.bounds;
    if (this.scale === 0) return clusterIndex(b, x);
    if (x !== x) return 0;
    const cell = (x - this.lo) * this.scale;
    const g = cell < 0 ? 0 : cell >= GRID_CELLS ? GRID_CELLS - 1 : cell | 0;
    let lo = this.first[g]!;
    let hi = this.first[g + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x > b[mid]!) lo = mid + 1;
      else hi = mid;
    }
    while (lo > 0 && x <= b[lo - 1]!) lo--;
    while (lo < b.length && x > b[lo]!) lo++;
    return lo;
  }
}

/** PimCluster: every element becomes its nearest centroid (a few ns per element at k = 64). */
export const clusterKernel = kernel(PimCluster, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const src = floatData(x, ctx, 'X');
  const centroids = Float32Array.from(attrs.centroids);
  const nearest = new NearestCentroid(centroids);
  const dst = float32ToOverwrite(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = centroids[nearest.index(src[i]!)]!;
  return [new Tensor('float32', x.shape, dst)];
});

/** RAPIDNN's clustering kernels. */
export const clusterKernels: readonly Kernel[] = [clusterKernel];

import { PimcError } from '@pimc/support';
import { clusterBoundaries, clusterIndex, Tensor } from '@pimc/ir';
import { floatCodebook, type CodebookOptions } from './codebook.js';

/** A weight tensor with every value replaced by its cluster's value cW[iW]. */
export interface ClusteredWeights {
  readonly tensor: Tensor;
  /** Σ (w − cW[iW])² in float64, over the whole tensor. */
  readonly sse: number;
  /** Granularity units clustered (1 per layer, or the output channel count). */
  readonly units: number;
  /** The largest codebook of any unit (≤ k). */
  readonly maxClusters: number;
}

/**
 * Clusters the weights per unit: the whole tensor (`axis` undefined) or each index along the
 * output-channel `axis`, k-means on the unit's values, then every weight snapped to the nearest
 * float32 centroid (ties to the lower one, as PimCluster). A unit then holds at most k distinct
 * values, which is how the backend recovers cW (the sorted distinct values) and iW.
 */
export function clusterWeights(
  w: Tensor,
  axis: number | undefined,
  k: number,
  options: Omit<CodebookOptions, 'forceZero'>,
  what: string,
): ClusteredWeights {
  const src = w.data as Float32Array;
  const bad = src.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new PimcError('pass', `${what}: weight [${bad}] is ${src[bad]}; only finite weights can be clustered`);
  const units = axis === undefined ? 1 : w.shape[axis]!;
  // Element (outer o, unit u, inner i) sits at (o·units + u)·inner + i.
  const inner = axis === undefined ? src.length : w.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = src.length / (units * inner);
  const dst = new Float32Array(src.length);
  const unitValues = new Float32Array(outer * inner);
  let sse = 0;
  let maxClusters = 0;
  for (let u = 0; u < units; u++) {
    let n = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * units + u) * inner;
      for (let i = 0; i < inner; i++) unitValues[n++] = src[base + i]!;
    }
    const centroids = floatCodebook(unitValues, k, { ...options, forceZero: false });
    const bounds = clusterBoundaries(centroids);
    maxClusters = Math.max(maxClusters, centroids.length);
    for (let o = 0; o < outer; o++) {
      const base = (o * units + u) * inner;
      for (let i = 0; i < inner; i++) {
        const value = src[base + i]!;
        const clustered = centroids[clusterIndex(bounds, value)]!;
        dst[base + i] = clustered;
        sse += (value - clustered) ** 2;
      }
    }
  }
  return { tensor: new Tensor('float32', w.shape, dst), sse, units, maxClusters };
}

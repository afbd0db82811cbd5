import { PimcError, type Rng } from '@pimc/support';
import { floatCodebook } from './codebook.js';
import type { ClusterSettings } from './options.js';

/** The input codebook of one layer input value. */
export interface InputCodebook {
  /** Strictly ascending float32 centroids (PimCluster's attribute). */
  readonly centroids: Float32Array;
  /** Whether an exact 0 centroid was forced (more than zeroFraction of the samples were 0). */
  readonly zeroForced: boolean;
}

/**
 * k-means (kU clusters) of a value's calibration samples: the non-finite samples dropped, the
 * fraction of exact zeros measured on all of them, then at most inputSampleCap samples drawn
 * uniformly without replacement.
 */
export function inputCodebook(samples: Float32Array, settings: ClusterSettings, rng: Rng, what: string): InputCodebook {
  const finite = finiteValues(samples);
  if (finite.length === 0) {
    throw new PimcError('pass', `${what}: no finite calibration values (${samples.length} given)`);
  }
  let zeros = 0;
  for (let i = 0; i < finite.length; i++) if (finite[i] === 0) zeros++;
  const zeroForced = zeros > settings.zeroFraction * finite.length;
  const sample = subsample(finite, settings.inputSampleCap, rng);
  const centroids = floatCodebook(sample, settings.kU, {
    method: settings.method,
    init: settings.kmeansInit,
    restarts: settings.kmeansRestarts,
    iterations: settings.kmeansIters,
    rng,
    forceZero: zeroForced,
  });
  return { centroids, zeroForced };
}

/** The finite values (the same array when all are). */
function finiteValues(samples: Float32Array): Float32Array {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) return samples.filter((v) => Number.isFinite(v));
  }
  return samples;
}

/**
 * `cap` values of `values` chosen uniformly without replacement, in their original order: Floyd's
 * algorithm marks `cap` distinct positions with `cap` random draws, then one scan gathers them.
 */
export function subsample(values: Float32Array, cap: number, rng: Rng): Float32Array {
  const n = values.length;
  if (n <= cap) return values;
  const chosen = new Uint8Array(n);
  for (let j = n - cap; j < n; j++) {
    const t = rng.int(0, j);
    chosen[chosen[t] === 0 ? t : j] = 1;
  }
  const out = new Float32Array(cap);
  let k = 0;
  for (let i = 0; i < n; i++) if (chosen[i] === 1) out[k++] = values[i]!;
  return out;
}

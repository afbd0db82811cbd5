import type { CamTable } from '@pimc/isa';
import { roundHalfEven, signedMax } from './fixed-point.js';

/** A cam-encode's key scale and CAM. */
export interface EncodeCam {
  readonly keyScale: number;
  readonly cam: CamTable;
}

/**
 * The CAM that encodes real values into a codebook (algorithms.md §2.3 step 1): one entry per
 * centroid, its key the centroid in fixed point, its value the centroid's index, so the nearest-key
 * search is the nearest-centroid search up to the rounding of the keys (ties go to the lower entry,
 * as the float model's ties go to the lower centroid). The key scale fits the codebook's largest
 * magnitude to the signed keyBits range: values beyond the codebook clamp to an extreme key, which
 * is still nearest to the extreme centroid, so the calibrated input range adds nothing and would only
 * coarsen the keys. With camBits < keyBits the search compares only the keys' top bits: centroids
 * closer than one compared step tie and the lower wins (the CAM-precision knob, §2.3 (b)).
 */
export function encodeCam(codebook: Float32Array, keyBits: number, camBits: number): EncodeCam {
  const largest = codebook.reduce((a, c) => Math.max(a, Math.abs(c)), 0);
  const keyScale = largest > 0 ? largest / signedMax(keyBits) : 1;
  return {
    keyScale,
    cam: {
      keys: Int32Array.from(codebook, (c) => roundHalfEven(c / keyScale)),
      values: Uint8Array.from(codebook, (_, j) => j),
      keyBits,
      camBits,
    },
  };
}

import { Rng } from '@pimc/support';
import type { CrossbarImage } from '@pimc/isa';

/** Device-to-device conductance variation, for sensitivity studies (off unless asked for). */
export interface NoiseOptions {
  /** Relative standard deviation of each device's conductance (0.05: 5 %). */
  readonly sigma: number;
  readonly seed: number;
}

/**
 * The conductance factor `max(0, 1 + σ·n)`, n ~ N(0, 1), of every device of a crossbar image
 * (row-major, positive plane then negative plane, as the image's levels). This models programming
 * variation: drawn once when the crossbar is written and the same for every read, so a device at
 * level L conducts L·factor. A level-0 device stays at 0 (the off-state conductance is not
 * modelled), and a factor never goes below 0 (a conductance is not negative).
 *
 * Each crossbar draws from its own generator seeded from (seed, crossbar id), so the noise of a
 * crossbar does not depend on which instructions run or in what order: one seed, one chip.
 */
export function deviceFactors(image: CrossbarImage, noise: NoiseOptions): Float64Array {
  const rng = new Rng(((noise.seed >>> 0) ^ Math.imul(image.id + 1, 0x9e3779b1)) >>> 0);
  const out = new Float64Array(image.levels.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, 1 + noise.sigma * rng.normal());
  return out;
}

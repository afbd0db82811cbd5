import { allocate, integerRange, type TypedArray } from '@pimc/ir';
import { applyMultiplier, prepareMultiplier } from './fixed-point.js';

const INV_4096 = 1 / 4096;

/** The output side of a requantizing layer, as its attributes give it. */
export interface ChannelRequantization {
  readonly multiplier: readonly number[];
  readonly shift: readonly number[];
  readonly y_dtype: 'uint8' | 'int8';
  readonly y_zero_point: number;
  readonly y_min: number;
  readonly y_max: number;
}

/**
 * Turns float64-held exact accumulators `acc[(image·M + m)·plane + p]` into the output tensor's
 * storage: `y = clamp(y_zp + ((wrap32(acc + B[m])·mult[m] + 2^(shift[m]−1)) >> shift[m]), y_min, y_max)`.
 */
export function requantizeChannels(
  acc: Float64Array,
  bias: ArrayLike<number> | undefined,
  images: number,
  channels: number,
  plane: number,
  r: ChannelRequantization,
): TypedArray {
  const out = allocate(r.y_dtype, acc.length) as TypedArray;
  // The dtype's range is implied by y_min/y_max (checked at build time); clamping to both is cheap insurance.
  const [dlo, dhi] = integerRange(r.y_dtype);
  const lo = Math.max(r.y_min, dlo);
  const hi = Math.min(r.y_max, dhi);
  for (let m = 0; m < channels; m++) {
    const prepared = prepareMultiplier(r.multiplier[r.multiplier.length === 1 ? 0 : m]!, r.shift[r.shift.length === 1 ? 0 : m]!);
    const b = bias === undefined ? 0 : bias[m]!;
    const zp = r.y_zero_point;
    const { hi: mHi, lo: mLo, add, scale } = prepared;
    const common = prepared.shift >= 13;
    for (let n = 0; n < images; n++) {
      const base = (n * channels + m) * plane;
      for (let p = base; p < base + plane; p++) {
        // wrap32 (| 0) of the exact sum, then the exact fixed-point product (applyMultiplier, its
        // shift ≥ 13 case inlined: every real layer's) and the clamp.
        const v = (acc[p]! + b) | 0;
        const y =
          zp + (common ? Math.floor((v * mHi + Math.floor(v * mLo * INV_4096) + add) * scale) : applyMultiplier(v, prepared));
        out[p] = y < lo ? lo : y > hi ? hi : y;
      }
    }
  }
  return out;
}

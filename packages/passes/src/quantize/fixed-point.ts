import { MAX_SHIFT, MULTIPLIER_LIMIT } from '@pimc/ir';

/** A real multiplier M as `mult · 2^(−shift)`: `mult` a 24-bit integer in [2^23, 2^24), or 0. */
export interface FixedPoint {
  readonly mult: number;
  readonly shift: number;
}

const MANTISSA_BITS = 24;

/**
 * The fixed-point form of a requantization multiplier `M ≥ 0` (design: quantized-dialect.md):
 * `M ≈ mult · 2^(−shift)`, `mult` in [2^23, 2^24) rounded to nearest (relative error ≤ 2^−24).
 * Returns undefined when M ≥ 2^24 (a negative shift: no sane layer gets there). M = 0, and M so
 * small that the shift would pass 63, give mult = shift = 0: with |acc| < 2^31 and M < 2^−40,
 * acc·M rounds to 0 either way, so the result is the same.
 */
export function fixedPointMultiplier(m: number): FixedPoint | undefined {
  if (!Number.isFinite(m) || m < 0) return undefined;
  if (m === 0) return { mult: 0, shift: 0 };
  // m = f · 2^e with f in [0.5, 1); the estimate from log2 is corrected by exact power-of-two steps.
  let e = Math.floor(Math.log2(m)) + 1;
  while (m / 2 ** e >= 1) e++;
  while (m / 2 ** e < 0.5) e--;
  let mult = Math.round(m * 2 ** (MANTISSA_BITS - e));
  if (mult === MULTIPLIER_LIMIT) {
    mult /= 2;
    e++;
  }
  const shift = MANTISSA_BITS - e;
  if (shift < 0) return undefined;
  if (shift > MAX_SHIFT) return { mult: 0, shift: 0 };
  return { mult, shift };
}

/**
 * Two multipliers that share one shift (PimQAdd): the larger one gets the full 24 bits, the other
 * is rounded on the same grid. Undefined when the larger one does not fit.
 */
export function sharedShiftMultipliers(ma: number, mb: number): { a: number; b: number; shift: number } | undefined {
  const larger = fixedPointMultiplier(Math.max(ma, mb));
  if (larger === undefined) return undefined;
  if (larger.mult === 0) return { a: 0, b: 0, shift: 0 };
  const scale = 2 ** larger.shift;
  return { a: Math.round(ma * scale), b: Math.round(mb * scale), shift: larger.shift };
}

/** The real value `mult · 2^(−shift)` (for reports and tests). */
export function fixedPointValue(f: FixedPoint): number {
  return f.mult * 2 ** -f.shift;
}

/*
 * The exact integer arithmetic of requantization (docs/design/quantized-dialect.md). Values are
 * JavaScript numbers holding integers; every step below is exact, which is argued next to it, so no
 * float rounding ever decides a result. Kernels use the prepared forms (constants per channel,
 * powers of two as multiplications, which are exact), the plain functions define them.
 */

/** Two's-complement wrap to int32, as a 32-bit accumulator register would (exact for |v| < 2^53). */
export function wrapInt32(v: number): number {
  return v | 0;
}

/**
 * `(v + 2^(shift−1)) >> shift`: an arithmetic right shift rounding half up (toward +∞), for
 * integers |v| < 2^52 and shift in [0, 63]. For shift ≤ 53 the sum v + 2^(shift−1) stays below
 * 2^53 and is exact; for larger shifts the true result is 0 (|v| < 2^(shift−1)), and the rounded
 * sum still lies in [2^(shift−2), 2^shift), whose floor after the division is 0 as well.
 */
export function roundingShift(v: number, shift: number): number {
  const { half, inverse } = prepareShift(shift);
  return Math.floor((v + half) * inverse);
}

/** `2^(shift−1)` (0 for shift 0) and `2^−shift`, so that roundingShift is `⌊(v + half)·inverse⌋`. */
export function prepareShift(shift: number): { half: number; inverse: number } {
  return { half: shift === 0 ? 0 : 2 ** (shift - 1), inverse: 2 ** -shift };
}

const HALF = 4096; // 2^12: multipliers are split into two 12-bit halves
const INV_HALF = 1 / HALF;

/**
 * `(acc · mult + 2^(shift−1)) >> shift` with the exact 64-bit integer meaning, for an int32 `acc`
 * (|acc| ≤ 2^31), a 24-bit `mult` and shift in [0, 63]. The product needs up to 55 bits, more than a
 * double holds, so `mult = hi·2^12 + lo` and `acc·mult = a·2^12 + b` with `a = acc·hi` and
 * `b = acc·lo`, both below 2^43 and exact. Then, for shift s:
 *
 * - s ≥ 13: `⌊(a·2^12 + b + 2^(s−1)) / 2^s⌋ = ⌊(a + ⌊b / 2^12⌋ + 2^(s−13)) / 2^(s−12)⌋`
 *   (nested floor division by powers of two; 2^(s−1)/2^12 is an integer), all terms below 2^51;
 * - s = 12: `a + ⌊(b + 2^11) / 2^12⌋`;
 * - s < 12: `a·2^(12−s) + ⌊(b + 2^(s−1)) / 2^s⌋`, since a·2^12 is a multiple of 2^s. Exact while
 *   the result is below 2^53 in magnitude; larger results only ever meet a clamp to 8 bits.
 */
export function multiplyShiftRound(acc: number, mult: number, shift: number): number {
  return applyMultiplier(acc, prepareMultiplier(mult, shift));
}

/** A multiplier and shift with their constants worked out once (per output channel). */
export interface PreparedMultiplier {
  readonly hi: number;
  readonly lo: number;
  readonly shift: number;
  /** For s ≥ 13: 2^(s−13). */
  readonly add: number;
  /** For s ≥ 13: 2^−(s−12). */
  readonly scale: number;
}

export function prepareMultiplier(mult: number, shift: number): PreparedMultiplier {
  const hi = Math.floor(mult / HALF);
  return { hi, lo: mult - hi * HALF, shift, add: 2 ** (shift - 13), scale: 2 ** -(shift - 12) };
}

/** The exact requantization product, with the case analysis of multiplyShiftRound. */
export function applyMultiplier(acc: number, p: PreparedMultiplier): number {
  const a = acc * p.hi;
  const b = acc * p.lo;
  if (p.shift >= 13) return Math.floor((a + Math.floor(b * INV_HALF) + p.add) * p.scale);
  if (p.shift === 12) return a + Math.floor((b + 2048) * INV_HALF);
  if (p.shift === 0) return a * HALF + b;
  return a * 2 ** (12 - p.shift) + Math.floor((b + 2 ** (p.shift - 1)) * 2 ** -p.shift);
}

/** Clamps an integer to [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

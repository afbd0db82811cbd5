/*
 * Integer arithmetic of requantization, written for the simulator on its own (the executor has its
 * own copy on purpose: a shared helper would let one bug pass both sides of the invariant tests).
 * Values are JavaScript numbers holding integers; each function states why every step is exact.
 */

/**
 * `(v + 2^(shift−1)) >> shift`: arithmetic right shift rounding half up (toward +∞), for integers
 * |v| < 2^52 and shift in [0, 63]. The sum is exact while it stays below 2^53, which holds for
 * shift ≤ 53; multiplying by 2^−shift is exact (a power of two). For shift > 53 the exact answer is
 * 0 or −1 only when |v| ≥ 2^(shift−1), impossible here, so it is 0; the rounded sum lies in
 * (2^(shift−2), 2^shift), whose floor after the scaling is 0 as well.
 */
export function roundingShift(v: number, shift: number): number {
  return Math.floor((v + ROUNDING_HALF[shift]!) * ROUNDING_SCALE[shift]!);
}

/**
 * 2^(shift−1) (0 for shift 0) and 2^−shift for every shift in [0, 63]: constants, looked up
 * because `2 ** x` with a variable exponent costs a call per element (and V8 sometimes deoptimizes
 * it into a far slower path) in the digital ops' inner loops.
 */
const ROUNDING_HALF = Float64Array.from({ length: 64 }, (_, s) => (s === 0 ? 0 : 2 ** (s - 1)));
const ROUNDING_SCALE = Float64Array.from({ length: 64 }, (_, s) => 2 ** -s);

/** A 24-bit multiplier and its shift, with the constants `multiplyShift` needs worked out once. */
export interface Multiplier {
  /** Upper and lower 12 bits: mult = high·4096 + low. */
  readonly high: number;
  readonly low: number;
  readonly shift: number;
  /** shift ≥ 13: 2^(shift−13) and 2^(12−shift); shift ≤ 12: 2^(12−shift), 2^(shift−1) (0 for shift 0) and 2^−shift. */
  readonly add: number;
  readonly scale: number;
  readonly half: number;
  readonly inverse: number;
}

export function makeMultiplier(mult: number, shift: number): Multiplier {
  const high = Math.floor(mult / 4096);
  return {
    high,
    low: mult - high * 4096,
    shift,
    add: shift >= 13 ? 2 ** (shift - 13) : 0,
    scale: 2 ** (12 - shift),
    half: shift === 0 ? 0 : 2 ** (shift - 1),
    inverse: 2 ** -shift,
  };
}

const INV_4096 = 1 / 4096;

/**
 * `(acc · mult + 2^(shift−1)) >> shift` with the exact 64-bit integer meaning, for an integer
 * |acc| ≤ 2^31, mult < 2^24 and shift in [0, 63]. The product can need 55 bits, more than a double
 * holds exactly, so it is taken apart: `acc·mult = a·2^12 + b` with `a = acc·high` and
 * `b = acc·low`, both below 2^43 (exact). Write `b = q·2^12 + r` with `q = ⌊b / 2^12⌋` and
 * `0 ≤ r < 2^12`; then `acc·mult = (a + q)·2^12 + r`.
 *
 * - shift ≥ 13: the rounding constant 2^(shift−1) is a multiple of 2^12, so the numerator is
 *   `(a + q + 2^(shift−13))·2^12 + r`, and since `r / 2^12 < 1` cannot carry past an integer,
 *   `⌊numerator / 2^shift⌋ = ⌊(a + q + 2^(shift−13)) / 2^(shift−12)⌋` (all terms below 2^51).
 * - shift ≤ 12: `a·2^12` is a multiple of 2^shift, so the result is
 *   `a·2^(12−shift) + ⌊(b + 2^(shift−1)) / 2^shift⌋`; exact while the result is below 2^53 in
 *   magnitude, and larger results only ever meet a clamp to 8 bits.
 *
 * Scaling by a power of two (the precomputed constants) is exact, so no float rounding decides.
 */
export function multiplyShift(acc: number, m: Multiplier): number {
  const a = acc * m.high;
  const b = acc * m.low;
  if (m.shift >= 13) return Math.floor((a + Math.floor(b * INV_4096) + m.add) * m.scale);
  return a * m.scale + Math.floor((b + m.half) * m.inverse);
}

/** Two's-complement wrap to 32 bits, as an int32 accumulator register does (exact for |v| < 2^53). */
export function wrapInt32(v: number): number {
  return v | 0;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Round half to even (numpy.rint): the rounding of ONNX QuantizeLinear. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

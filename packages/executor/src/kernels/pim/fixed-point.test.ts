import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { multiplyShiftRound, roundingShift, wrapInt32 } from './fixed-point.js';

/** The definition, in BigInt: (acc·mult + 2^(shift−1)) >> shift, an arithmetic (flooring) shift. */
function reference(v: number, mult: number, shift: number): bigint {
  const p = BigInt(v) * BigInt(mult) + (shift > 0 ? 1n << BigInt(shift - 1) : 0n);
  return p >> BigInt(shift);
}

function expectExact(acc: number, mult: number, shift: number): void {
  const expected = reference(acc, mult, shift);
  const actual = multiplyShiftRound(acc, mult, shift);
  if (expected >= -(2n ** 53n) && expected <= 2n ** 53n) {
    // + 0: −0 (from a zero multiplier times a negative accumulator) is the integer 0.
    expect(actual + 0, `acc ${acc} mult ${mult} shift ${shift}`).toBe(Number(expected));
  } else {
    // Beyond 2^53 (shift < 12 only) the value is rounded, but far outside any 8-bit clamp either way.
    expect(Math.sign(actual)).toBe(Number(expected > 0n) - Number(expected < 0n));
    expect(Math.abs(actual)).toBeGreaterThan(2 ** 52);
  }
}

describe('multiplyShiftRound: exact 64-bit requantization', () => {
  it('agrees with BigInt on the edges of every operand', () => {
    const accs = [0, 1, -1, 2, -2, 4095, -4096, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321];
    const mults = [0, 1, 4095, 4096, 4097, 2 ** 23, 2 ** 23 + 1, 2 ** 24 - 1, 0xabcdef];
    for (const acc of accs) for (const mult of mults) for (let shift = 0; shift <= 63; shift++) expectExact(acc, mult, shift);
  });

  it('agrees with BigInt on random operands', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20000; i++) {
      const acc = rng.int(-(2 ** 31), 2 ** 31 - 1);
      const mult = rng.int(2 ** 23, 2 ** 24 - 1);
      expectExact(acc, mult, rng.int(0, 63));
    }
  });

  it('rounds ties half up, toward +∞, on both signs', () => {
    expect(multiplyShiftRound(3, 1, 1)).toBe(2); // 1.5 → 2
    expect(multiplyShiftRound(-3, 1, 1)).toBe(-1); // −1.5 → −1
    expect(multiplyShiftRound(5, 2 ** 23, 24)).toBe(3); // 2.5 → 3
    expect(multiplyShiftRound(-5, 2 ** 23, 24)).toBe(-2); // −2.5 → −2
    expect(multiplyShiftRound(-5, 2 ** 23 + 1, 24)).toBe(-3); // −2.5000003, not a tie → −3
  });

  it('is the 55-bit product where a float64 product would round', () => {
    // acc·mult = (2^31 − 1)(2^24 − 1) needs 55 bits; rounding it first would move the result.
    const acc = 2 ** 31 - 1;
    const mult = 2 ** 24 - 1;
    expect(multiplyShiftRound(acc, mult, 40)).toBe(Number(reference(acc, mult, 40)));
    expect(multiplyShiftRound(-acc, mult, 13)).toBe(Number(reference(-acc, mult, 13)));
  });
});

describe('roundingShift and wrapInt32', () => {
  it('shift with round half up for |v| < 2^52 and shifts up to 63', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20000; i++) {
      const v = Math.floor(rng.uniform(-(2 ** 51), 2 ** 51));
      const shift = rng.int(0, 63);
      expect(roundingShift(v, shift)).toBe(Number(reference(v, 1, shift)));
    }
    expect([roundingShift(6, 2), roundingShift(-6, 2), roundingShift(2 ** 51, 63), roundingShift(-(2 ** 51), 53)]).toEqual([
      2, -1, 0, 0,
    ]);
  });

  it('wraps like a 32-bit register', () => {
    expect([wrapInt32(2 ** 31), wrapInt32(-(2 ** 31) - 1), wrapInt32(2 ** 40 + 5), wrapInt32(-7)]).toEqual([
      -(2 ** 31),
      2 ** 31 - 1,
      5,
      -7,
    ]);
  });
});

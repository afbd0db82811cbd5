import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { makeMultiplier, multiplyShift, roundHalfEven, roundingShift, wrapInt32 } from './fixed-point.js';

/** The definition in BigInt: (v·mult + 2^(shift−1)) >> shift, a flooring shift. */
function reference(v: number, mult: number, shift: number): bigint {
  const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
  return (BigInt(v) * BigInt(mult) + half) >> BigInt(shift);
}

function expectExact(acc: number, mult: number, shift: number): void {
  const expected = reference(acc, mult, shift);
  const actual = multiplyShift(acc, makeMultiplier(mult, shift));
  if (expected >= -(2n ** 53n) && expected <= 2n ** 53n) {
    // + 0 turns −0 (zero multiplier times a negative accumulator) into 0.
    expect(actual + 0, `acc ${acc} mult ${mult} shift ${shift}`).toBe(Number(expected));
  } else {
    expect(Math.sign(actual)).toBe(expected > 0n ? 1 : -1);
  }
}

describe('multiplyShift', () => {
  it('equals the BigInt definition on the edges of every operand and every shift', () => {
    const accs = [0, 1, -1, 2, -3, 4095, -4096, 4097, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 99991, -123456789];
    const mults = [0, 1, 4095, 4096, 4097, 2 ** 23, 2 ** 23 + 1, 2 ** 24 - 1, 0xabcdef];
    for (const acc of accs) for (const mult of mults) for (let s = 0; s <= 63; s++) expectExact(acc, mult, s);
  });

  it('equals the BigInt definition on random operands', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 30000; i++) expectExact(rng.int(-(2 ** 31), 2 ** 31 - 1), rng.int(0, 2 ** 24 - 1), rng.int(0, 63));
  });

  it('rounds ties toward +∞ on both signs', () => {
    expect(multiplyShift(3, makeMultiplier(1, 1))).toBe(2);
    expect(multiplyShift(-3, makeMultiplier(1, 1))).toBe(-1);
    expect(multiplyShift(5, makeMultiplier(2 ** 23, 24))).toBe(3);
    expect(multiplyShift(-5, makeMultiplier(2 ** 23, 24))).toBe(-2);
  });
});

describe('roundingShift, wrapInt32, roundHalfEven', () => {
  it('roundingShift equals the BigInt definition for |v| < 2^52', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 20000; i++) {
      const v = Math.floor(rng.uniform(-(2 ** 51), 2 ** 51));
      const s = rng.int(0, 63);
      expect(roundingShift(v, s) + 0).toBe(Number(reference(v, 1, s)));
    }
  });

  it('wrapInt32 wraps like a 32-bit register and roundHalfEven rounds ties to even', () => {
    expect([wrapInt32(2 ** 31), wrapInt32(-(2 ** 31) - 1), wrapInt32(2 ** 40 + 5)]).toEqual([-(2 ** 31), 2 ** 31 - 1, 5]);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(roundHalfEven).map((v) => v + 0)).toEqual([0, 2, 2, 0, -2, 2, -3]);
  });
});

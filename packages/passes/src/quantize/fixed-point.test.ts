import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { fixedPointMultiplier, fixedPointValue, sharedShiftMultipliers } from './fixed-point.js';

describe('fixedPointMultiplier', () => {
  it('keeps mult in [2^23, 2^24) with relative error at most 2^−24', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 5000; i++) {
      const m = 2 ** rng.uniform(-38, 23.9);
      const f = fixedPointMultiplier(m)!;
      expect(f.mult).toBeGreaterThanOrEqual(2 ** 23);
      expect(f.mult).toBeLessThan(2 ** 24);
      expect(Math.abs(fixedPointValue(f) - m) / m).toBeLessThanOrEqual(2 ** -24);
    }
  });

  it('handles powers of two, rounding up to the next binade, zero, tiny and huge values', () => {
    expect(fixedPointMultiplier(1)).toEqual({ mult: 2 ** 23, shift: 23 });
    expect(fixedPointMultiplier(0.5)).toEqual({ mult: 2 ** 23, shift: 24 });
    expect(fixedPointMultiplier(0.75)).toEqual({ mult: 3 * 2 ** 22, shift: 24 });
    // Just below 1: the 24-bit mantissa rounds up to 2^24, which becomes 2^23 one binade higher.
    expect(fixedPointMultiplier(1 - 2 ** -30)).toEqual({ mult: 2 ** 23, shift: 23 });
    expect(fixedPointMultiplier(0)).toEqual({ mult: 0, shift: 0 });
    // Below 2^−40 every int32 accumulator rounds to 0 anyway: mult 0 says so exactly.
    expect(fixedPointMultiplier(2 ** -45)).toEqual({ mult: 0, shift: 0 });
    expect(fixedPointMultiplier(2 ** -40)).toEqual({ mult: 2 ** 23, shift: 63 });
    expect(fixedPointMultiplier(2 ** 23.5)).toEqual({ mult: Math.round(2 ** 23.5), shift: 0 });
    expect(fixedPointMultiplier(2 ** 24)).toBeUndefined();
    expect(fixedPointMultiplier(-1)).toBeUndefined();
    expect(fixedPointMultiplier(NaN)).toBeUndefined();
  });

  it('gives two multipliers one shift, the larger at full precision', () => {
    const s = sharedShiftMultipliers(0.3, 0.0007)!;
    expect(s.a).toBe(fixedPointMultiplier(0.3)!.mult);
    expect(s.shift).toBe(fixedPointMultiplier(0.3)!.shift);
    expect(Math.abs(s.b * 2 ** -s.shift - 0.0007)).toBeLessThanOrEqual(2 ** -(s.shift + 1));
    expect(sharedShiftMultipliers(2 ** 25, 1)).toBeUndefined();
  });
});

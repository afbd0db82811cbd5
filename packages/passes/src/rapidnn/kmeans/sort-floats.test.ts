import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { isAscending, sortedFloat64 } from './sort-floats.js';

function nativeSorted(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => v + 0).sort((a, b) => a - b);
}

describe('sortedFloat64', () => {
  const rng = new Rng(1);
  const awkward = [0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1, 0.5, -0.5];
  const mixed = new Float32Array(20_000);
  for (let i = 0; i < mixed.length; i++) {
    mixed[i] = i < awkward.length ? awkward[i] : rng.next() < 0.1 ? 0.25 : rng.normal(0, 1) * 10 ** rng.int(-8, 8);
  }

  it('radix-sorts float32 input (negatives, -0, subnormals, duplicates)', () => {
    const sorted = sortedFloat64(mixed);
    expect(Array.from(sorted)).toEqual(nativeSorted(mixed));
    expect(sorted.some((v) => Object.is(v, -0))).toBe(false);
  });

  it('sorts plain numbers that are exact float32 and doubles that are not', () => {
    const asNumbers = Array.from(mixed);
    expect(Array.from(sortedFloat64(asNumbers))).toEqual(nativeSorted(asNumbers));
    const doubles = Float64Array.from(mixed, (v) => v + 1e-9);
    expect(Array.from(sortedFloat64(doubles))).toEqual(nativeSorted(doubles));
  });

  it('sorts short inputs and turns -0 into +0', () => {
    const sorted = sortedFloat64([3, -0, -2]);
    expect(Array.from(sorted)).toEqual([-2, 0, 3]);
    expect(Object.is(sorted[1], 0)).toBe(true);
  });

  it('isAscending accepts ties and rejects a descent', () => {
    expect(isAscending([1, 1, 2])).toBe(true);
    expect(isAscending([1, 3, 2])).toBe(false);
  });
});

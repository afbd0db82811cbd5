import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import {
  bitSlices,
  countCompositions,
  distinctSliceIndex,
  distinctSlices,
  formatSlicing,
  parseSlicing,
  sliceShifts,
  sliceValue,
  weightSlicings,
} from './slicings.js';

describe('weight slicings', () => {
  it('lists the 108 compositions of 8 into parts of at most 4 bits, each once', () => {
    const all = weightSlicings(4);
    expect(all).toHaveLength(108);
    expect(countCompositions(8, 4)).toBe(108);
    expect(new Set(all.map((s) => s.join())).size).toBe(108);
    for (const s of all) {
      expect(s.reduce((a, b) => a + b, 0)).toBe(8);
      expect(Math.max(...s)).toBeLessThanOrEqual(4);
      expect(s.length).toBeGreaterThanOrEqual(2);
    }
    for (const s of [
      [4, 4],
      [4, 2, 2],
      [2, 2, 2, 2],
      [1, 1, 1, 1, 1, 1, 1, 1],
    ]) {
      expect(all).toContainEqual(s);
    }
    expect(all[0]).toEqual([4, 4]);
  });

  it('follows f(n) = f(n−1) + f(n−2) + f(n−3) + f(n−4) and drops the one-slice composition', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => countCompositions(n, 4))).toEqual([1, 1, 2, 4, 8, 15]);
    expect(weightSlicings(3)).toHaveLength(countCompositions(8, 3));
    // With 8-bit cells, [8] is a composition but not a candidate (|σ| ≥ 2).
    expect(weightSlicings(8)).toHaveLength(countCompositions(8, 8) - 1);
  });

  it('places slices MSB first: slice i holds bits [e_i − w_i, e_i)', () => {
    expect(sliceShifts([4, 2, 2])).toEqual([4, 2, 0]);
    expect(bitSlices([1, 3, 4])).toEqual([
      { lo: 7, width: 1 },
      { lo: 4, width: 3 },
      { lo: 0, width: 4 },
    ]);
    expect([4, 2, 0].map((shift, i) => sliceValue(0b1011_0110, shift, [4, 2, 2][i]!))).toEqual([0b1011, 0b01, 0b10]);
  });

  it('has 26 distinct bit ranges of width ≤ 4 covering every candidate’s slices', () => {
    const ranges = distinctSlices(4);
    expect(ranges).toHaveLength(26);
    ranges.forEach((r, i) => expect(distinctSliceIndex(r, 4)).toBe(i));
    for (const s of weightSlicings(4)) for (const r of bitSlices(s)) expect(ranges).toContainEqual(r);
  });

  it('parses and prints slicing options', () => {
    expect(parseSlicing(' 4, 2,2', 'test')).toEqual([4, 2, 2]);
    expect(parseSlicing('4-2-2', 'test')).toEqual([4, 2, 2]);
    expect(formatSlicing([4, 2, 2])).toBe('4b-2b-2b');
    for (const bad of ['4,2', '4-2-x', '', '8,0', '4--4']) {
      try {
        parseSlicing(bad, 'raella-speculate{slices}');
        expect.unreachable();
      } catch (e) {
        expect(isPimcError(e, 'pipeline')).toBe(true);
        expect((e as Error).message).toContain('raella-speculate{slices}');
      }
    }
  });
});

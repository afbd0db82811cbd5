import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import {
  centerObjective,
  chooseCenter,
  inputBitProbabilities,
  layerCenters,
  signedSliceTable,
  DEFAULT_BIT_PROBABILITY,
  MAX_OFFSET,
} from './center.js';
import { sliceShifts } from './slicings.js';

/** The filter of algorithms.md §3.7, u8 weights, as the IR's int8 weights (u8 − 128). */
const U8_FILTER = [130, 118, 141, 127, 109, 136, 122, 133];
const FILTER = U8_FILTER.map((w) => w - 128);
const SIGMA = [4, 2, 2];

describe('Center+Offset objective (§3.7 worked example)', () => {
  it('reproduces J(127) = 17.5 and J(131) = 13.5 at p = 0.5', () => {
    expect(centerObjective(FILTER, 0.5, SIGMA, 127 - 128)).toBe(17.5);
    expect(centerObjective(FILTER, 0.5, SIGMA, 131 - 128)).toBe(13.5);
  });

  it('is invariant to the u8/int8 shift of weights and center', () => {
    for (const c of [110, 127, 131, 140]) {
      expect(centerObjective(U8_FILTER, 0.25, SIGMA, c)).toBeCloseTo(centerObjective(FILTER, 0.25, SIGMA, c - 128), 12);
    }
  });

  it('chooses 131 (u8) at p = 0.5, 0.13 and 0.25, and the mean 127 in mean mode', () => {
    for (const p of [0.5, 0.13, 0.25]) expect(chooseCenter(FILTER, p, SIGMA) + 128).toBe(131);
    expect(chooseCenter(FILTER, 0.5, SIGMA, { mode: 'mean', centerBits: 8 }) + 128).toBe(127);
  });

  it('gives the optimal center the lowest objective of all candidates, per-row p included', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 40; trial++) {
      const k = rng.int(1, 40);
      const weights = Array.from({ length: k }, () =>
        Math.max(-128, Math.min(127, Math.round(rng.normal(rng.int(-20, 20), 15)))),
      );
      const p = Array.from({ length: k }, () => rng.uniform(0.02, 0.6));
      const slicing = [
        [4, 4],
        [4, 2, 2],
        [2, 2, 2, 2],
        [1, 3, 4],
      ][trial % 4]!;
      const c = chooseCenter(weights, p, slicing);
      const [lo, hi] = [Math.min(...weights), Math.max(...weights)];
      expect(c).toBeGreaterThanOrEqual(lo);
      expect(c).toBeLessThanOrEqual(hi);
      const best = centerObjective(weights, p, slicing, c);
      for (let other = lo; other <= hi; other++) {
        expect(centerObjective(weights, p, slicing, other)).toBeGreaterThanOrEqual(best - 1e-9 * Math.max(1, best));
      }
    }
  });

  it('breaks ties towards the mean weight', () => {
    // Symmetric weights: J(c) is symmetric about 0, and the mean is 0.
    expect(chooseCenter([-5, 5], 0.5, [4, 4])).toBe(0);
    // A single value: every candidate is the value itself.
    expect(chooseCenter([7, 7, 7], 0.13, SIGMA)).toBe(7);
  });

  it('restricts 4-bit centers to multiples of 16', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 30; trial++) {
      const weights = Array.from({ length: 64 }, () =>
        Math.max(-128, Math.min(127, Math.round(rng.normal(rng.int(-60, 60), 20)))),
      );
      for (const mode of ['optimal', 'mean', 'median'] as const) {
        const c = chooseCenter(weights, 0.2, SIGMA, { mode, centerBits: 4 });
        expect(Math.abs(c % 16)).toBe(0);
        expect(c).toBeGreaterThanOrEqual(-128);
        expect(c).toBeLessThanOrEqual(112);
      }
    }
    // No multiple of 16 inside [1, 9]: one just outside.
    expect([0, 16]).toContain(chooseCenter([1, 5, 9], 0.2, SIGMA, { mode: 'optimal', centerBits: 4 }));
  });

  it('takes the lower median in median mode', () => {
    expect(chooseCenter([-3, 10, 1, 50], 0.2, SIGMA, { mode: 'median', centerBits: 8 })).toBe(1);
    expect(chooseCenter([9, -3, 4], 0.2, SIGMA, { mode: 'median', centerBits: 8 })).toBe(4);
  });
});

describe('sign-magnitude offsets', () => {
  it('reconstruct every weight: c + sign·Σ 2^shift·slice = w', () => {
    for (const slicing of [SIGMA, [4, 4], [1, 1, 1, 1, 1, 1, 1, 1], [3, 3, 2]]) {
      const table = signedSliceTable(slicing);
      const shifts = sliceShifts(slicing);
      for (let c = -128; c <= 127; c += 17) {
        for (let w = -128; w <= 127; w++) {
          const at = (w - c + MAX_OFFSET) * slicing.length;
          const sum = slicing.reduce((acc, _, i) => acc + 2 ** shifts[i]! * table.values[at + i]!, 0);
          expect(c + sum).toBe(w);
        }
      }
    }
  });

  it('gives every slice the offset’s sign', () => {
    const table = signedSliceTable(SIGMA);
    for (let d = -MAX_OFFSET; d <= MAX_OFFSET; d++) {
      for (let i = 0; i < 3; i++) {
        expect(Math.sign(table.values[(d + MAX_OFFSET) * 3 + i]!) * Math.sign(d)).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('layerCenters', () => {
  it('agrees with chooseCenter per (channel, row tile), with per-group probabilities', () => {
    const rng = new Rng(11);
    const [m, depth, groups, rows] = [6, 23, 2, 8];
    const weights = Int8Array.from({ length: m * depth }, () => rng.int(-60, 60));
    const p = Float64Array.from({ length: groups * depth }, () => rng.uniform(0, 0.5));
    const centers = layerCenters(weights, m, depth, { mode: 'optimal', centerBits: 8, rows, slicing: SIGMA, p, groups });
    expect(centers.length).toBe(m * 3);
    for (let ch = 0; ch < m; ch++) {
      const g = Math.floor(ch / (m / groups));
      for (let t = 0; t < 3; t++) {
        const [from, to] = [t * rows, Math.min(depth, (t + 1) * rows)];
        const column = Array.from(weights.subarray(ch * depth + from, ch * depth + to));
        const pt = Array.from(p.subarray(g * depth + from, g * depth + to));
        expect(centers[ch * 3 + t]).toBe(chooseCenter(column, pt, SIGMA));
      }
    }
  });
});

describe('inputBitProbabilities', () => {
  it('averages the 8 bit positions of each row’s magnitudes', () => {
    // Two vectors of three rows: 255 has 8 ones, 1 has one, 0 none; −1 is magnitude 1.
    const p = inputBitProbabilities([255, 1, 0, 0, -1, 3], 2, 3);
    expect(Array.from(p)).toEqual([8 / 16, 2 / 16, 2 / 16]);
  });

  it('falls back to the artifact’s average without vectors', () => {
    expect(Array.from(inputBitProbabilities([], 0, 2))).toEqual([DEFAULT_BIT_PROBABILITY, DEFAULT_BIT_PROBABILITY]);
  });
});

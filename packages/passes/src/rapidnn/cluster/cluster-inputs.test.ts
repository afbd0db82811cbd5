import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { subsample } from './cluster-inputs.js';

describe('subsample', () => {
  const values = Float32Array.from({ length: 10000 }, (_, i) => i);

  it('keeps cap distinct values in their original order', () => {
    const out = subsample(values, 2500, new Rng(1));
    expect(out.length).toBe(2500);
    expect(out.every((v, i) => i === 0 || out[i - 1]! < v)).toBe(true);
  });

  it('draws uniformly: the sample spreads over the whole range', () => {
    const out = subsample(values, 2500, new Rng(2));
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    // Standard error of the mean of 2500 draws from U[0, 10000): about 58.
    expect(Math.abs(mean - 4999.5)).toBeLessThan(300);
    const quarters = [0, 1, 2, 3].map((q) => out.filter((v) => Math.floor(v / 2500) === q).length);
    quarters.forEach((count) => expect(Math.abs(count - 625)).toBeLessThan(100));
  });

  it('is deterministic for a seed and returns small inputs whole', () => {
    expect(subsample(values, 300, new Rng(5))).toEqual(subsample(values, 300, new Rng(5)));
    expect(subsample(values, 10000, new Rng(5))).toBe(values);
  });
});

import { describe, expect, it } from 'vitest';
import { adcBitsFor, histogramOf, histogramStats } from './histogram.js';

describe('histogramOf / histogramStats', () => {
  it('bins integers exactly and reproduces the sample statistics', () => {
    const samples = [-3, 0, 0, 1, 1, 1, 2, 7, 7, 12];
    const h = histogramOf([...samples, NaN, Infinity]);
    expect(h.start).toBe(-3);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(samples.length);
    const s = histogramStats(h);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const std = Math.sqrt(samples.reduce((a, v) => a + (v - mean) ** 2, 0) / samples.length);
    expect(s?.count).toBe(samples.length);
    expect(s?.min).toBe(Math.min(...samples));
    expect(s?.max).toBe(Math.max(...samples));
    expect(s?.mean).toBeCloseTo(mean, 12);
    expect(s?.std).toBeCloseTo(std, 12);
    // Nearest rank: with 10 samples both extreme percentiles are the extreme samples.
    expect(s?.p0_1).toBe(Math.min(...samples));
    expect(s?.p99_9).toBe(Math.max(...samples));
  });

  it('puts the percentiles inside the tails of a large sample', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => i % 100);
    samples.push(-1000, 1000);
    const s = histogramStats(histogramOf(samples));
    expect(s?.min).toBe(-1000);
    expect(s?.p0_1).toBe(0);
    expect(s?.p99_9).toBe(99);
  });

  it('widens bins instead of allocating a huge array', () => {
    const h = histogramOf([0, 1e9]);
    expect(h.counts.length).toBeLessThanOrEqual(100_001);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('returns no statistics for an empty histogram', () => {
    expect(histogramStats(histogramOf([]))).toBeUndefined();
    expect(histogramStats({ start: 0, counts: [0, 0, NaN] })).toBeUndefined();
  });
});

describe('adcBitsFor (algorithms.md §3.6)', () => {
  it('matches the worked examples', () => {
    // ISAAC: 128 rows · 3 · 1 = 384 → 9 bits unsigned.
    expect(adcBitsFor(0, 128 * 3 * 1, false)).toBe(9);
    // RAELLA worst case 512 · 15 → 13 bits + sign.
    expect(adcBitsFor(0, 512 * 15, false)).toBe(13);
    expect(adcBitsFor(-512 * 15, 512 * 15, true)).toBe(14);
  });
  it('uses the signed range [−2^(b−1), 2^(b−1) − 1]', () => {
    expect(adcBitsFor(-64, 63, true)).toBe(7);
    expect(adcBitsFor(-64, 64, true)).toBe(8);
    expect(adcBitsFor(-65, 0, true)).toBe(8);
    expect(adcBitsFor(0, 0, true)).toBe(1);
  });
});

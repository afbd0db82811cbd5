import { describe, expect, it } from 'vitest';
import { linearScale, logScale } from './scale.js';

describe('linearScale', () => {
  it('extends the domain to nice ticks that cover the data', () => {
    const s = linearScale(3, 97, 300, 0, { includeZero: true });
    expect(s.ticks[0]).toBe(0);
    expect(s.ticks[s.ticks.length - 1]).toBeGreaterThanOrEqual(97);
    const steps = s.ticks.slice(1).map((t, i) => t - s.ticks[i]);
    expect(new Set(steps).size).toBe(1);
    expect(s.map(s.domain[0])).toBe(300);
    expect(s.map(s.domain[1])).toBe(0);
  });
  it('produces clean decimal ticks', () => {
    const s = linearScale(0.91, 0.99, 0, 100);
    for (const t of s.ticks) expect(String(t).length).toBeLessThan(6);
  });
  it('survives degenerate and non-finite domains', () => {
    for (const [lo, hi] of [
      [5, 5],
      [0, 0],
      [NaN, Infinity],
      [-1e308, 1e308],
    ]) {
      const s = linearScale(lo, hi, 0, 100);
      expect(s.ticks.length).toBeGreaterThan(1);
      expect(Number.isFinite(s.map(1))).toBe(true);
    }
  });
});

describe('logScale', () => {
  it('uses powers of ten and leaves room below the smallest value', () => {
    const s = logScale(1, 5000, 100, 0);
    expect(s.ticks).toContain(1);
    expect(s.ticks).toContain(10000);
    expect(s.domain[0]).toBeLessThan(1);
    expect(s.map(1)).toBeLessThan(100);
    expect(s.map(0)).toBe(100);
  });
  it('thins ticks over many decades and survives bad input', () => {
    expect(logScale(1e-10, 1e20, 0, 1).ticks.length).toBeLessThanOrEqual(9);
    expect(logScale(0, NaN, 0, 1).ticks.length).toBeGreaterThan(1);
  });
});

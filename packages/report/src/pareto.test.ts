import { describe, expect, it } from 'vitest';
import { paretoFront, paretoIndices, type TradeOffPoint } from './pareto.js';

/** The definition itself, O(n²): dominated iff another point has x' ≤ x and y' ≥ y, one strict. */
function bruteForceFront(points: readonly TradeOffPoint[]): boolean[] {
  const ok = (p: TradeOffPoint): boolean => Number.isFinite(p.x) && Number.isFinite(p.y);
  return points.map(
    (p, i) => ok(p) && !points.some((q, j) => j !== i && ok(q) && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y)),
  );
}

/** Small deterministic generator; coarse values force ties in x, in y and whole duplicates. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('paretoFront', () => {
  it('matches the definition on random point sets with ties and duplicates', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = lcg(seed);
      const n = 1 + Math.floor(next() * 40);
      const points = Array.from({ length: n }, () => ({ x: Math.floor(next() * 8), y: Math.floor(next() * 8) }));
      expect(paretoFront(points)).toEqual(bruteForceFront(points));
    }
  });

  it('keeps identical optimal points together and drops non-finite points', () => {
    const points = [
      { x: 1, y: 1 },
      { x: 1, y: 1 },
      { x: NaN, y: 5 },
      { x: 0, y: Infinity },
      { x: 2, y: 0.5 },
    ];
    expect(paretoFront(points)).toEqual(bruteForceFront(points));
    expect(paretoFront(points).slice(0, 2)).toEqual([true, true]);
  });

  it('lists front indices by increasing x', () => {
    const points = [
      { x: 3, y: 0.9 },
      { x: 1, y: 0.5 },
      { x: 2, y: 0.4 },
      { x: 2, y: 0.8 },
    ];
    const order = paretoIndices(points);
    expect(order.map((i) => points[i].x)).toEqual([...order.map((i) => points[i].x)].sort((a, b) => a - b));
    expect(order.every((i) => bruteForceFront(points)[i])).toBe(true);
    expect(order.length).toBe(bruteForceFront(points).filter(Boolean).length);
  });

  it('handles an empty input', () => {
    expect(paretoFront([])).toEqual([]);
  });
});

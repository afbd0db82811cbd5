import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { layerCenters } from './center.js';
import { simulateCrossbarLayer } from './crossbar-model.js';
import { relativeError } from './exact-outputs.js';
import { randomSmallLayer, tierZeroLayer } from './raella-layers.testing.js';
import { selectSlicing } from './slice-selection.js';

function modelError(...args: Parameters<typeof simulateCrossbarLayer>): number {
  const r = simulateCrossbarLayer(...args);
  return relativeError(
    r.yPim.map((y, i) => y - r.yExact[i]!),
    r.yExact,
  );
}

describe('selectSlicing', () => {
  it('measures every candidate’s error exactly as the reference crossbar model does', () => {
    const rng = new Rng(31);
    let clipped = 0;
    for (let trial = 0; trial < 40; trial++) {
      const { layer, vectors, layout } = randomSmallLayer(rng);
      const adcBits = rng.int(2, 6);
      const selection = selectSlicing(layer, vectors, { budget: 1e-3, adcBits, maxBitsPerCell: 4, layout });
      expect(selection.candidates).toHaveLength(108);
      for (let i = 0; i < 6; i++) {
        const candidate = selection.candidates[rng.int(0, 107)]!;
        const expected = modelError(layer, vectors, { slicing: candidate.slicing, adcBits, layout });
        if (expected > 0) clipped++;
        if (expected === Infinity) expect(candidate.error).toBe(Infinity);
        else expect(candidate.error).toBeCloseTo(expected, 12);
      }
    }
    expect(clipped).toBeGreaterThan(20);
  });

  it('takes the fewest slices that meet the budget, and reports other budgets', () => {
    const rng = new Rng(5);
    const { layer, vectors } = tierZeroLayer(rng, 24, 300, 48);
    const centers = layerCenters(layer.weights, 24, 300, {
      mode: 'optimal',
      centerBits: 8,
      rows: 128,
      slicing: [4, 2, 2],
      p: 0.13,
    });
    const layout = { centers, rows: 128 };
    const selection = selectSlicing(layer, vectors, {
      budget: 1e-3,
      reportBudgets: [1e-2, 1e-4],
      adcBits: 7,
      maxBitsPerCell: 4,
      layout,
    });
    const { choice } = selection;
    expect(choice.saturating).toBe(false);
    expect(choice.error).toBeLessThanOrEqual(1e-3);
    const fewer = selection.candidates.filter((c) => c.slicing.length < choice.slicing.length);
    for (const c of fewer) expect(c.error).toBeGreaterThan(1e-3);
    expect(selection.reported.map((r) => r.budget)).toEqual([1e-2, 1e-4]);
    expect(selection.reported[0]!.slicing.length).toBeLessThanOrEqual(choice.slicing.length);
    expect(selection.reported[1]!.slicing.length).toBeGreaterThanOrEqual(choice.slicing.length);
  });

  it('breaks ties by the lower mean |column sum|', () => {
    const rng = new Rng(6);
    const { layer, vectors } = tierZeroLayer(rng, 8, 64, 16);
    // An unbounded ADC: every candidate is exact, so the 3-slice ones (max 3 bits per cell) tie on ε.
    const selection = selectSlicing(layer, vectors, {
      budget: 1e-3,
      adcBits: 30,
      maxBitsPerCell: 3,
      layout: { centers: undefined, rows: 64 },
    });
    const three = selection.candidates.filter((c) => c.slicing.length === 3);
    expect(three.every((c) => c.error === 0)).toBe(true);
    const best = Math.min(...three.map((c) => c.meanAbsSum));
    expect(selection.choice.slicing.length).toBe(3);
    expect(three.find((c) => c.slicing.join() === selection.choice.slicing.join())!.meanAbsSum).toBe(best);
  });

  it('falls back to [1×8] and flags the layer saturating when nothing meets the budget', () => {
    const rng = new Rng(9);
    const { layer, vectors } = tierZeroLayer(rng, 4, 200, 8);
    const selection = selectSlicing(layer, vectors, {
      budget: 1e-6,
      adcBits: 2,
      maxBitsPerCell: 4,
      layout: { centers: undefined, rows: 200 },
    });
    expect(selection.choice.saturating).toBe(true);
    expect(selection.choice.slicing).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(selection.choice.error).toBeGreaterThan(1e-6);
  });

  it('is deterministic', () => {
    const make = () => {
      const rng = new Rng(12);
      const { layer, vectors } = tierZeroLayer(rng, 6, 90, 10);
      return selectSlicing(layer, vectors, {
        budget: 1e-3,
        adcBits: 5,
        maxBitsPerCell: 4,
        layout: { centers: undefined, rows: 32 },
      });
    };
    expect(make()).toEqual(make());
  });
});

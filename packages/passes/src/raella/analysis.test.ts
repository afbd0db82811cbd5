import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { analyzeLayer, DEFAULT_ANALYSIS } from './analysis.js';
import { inputBitProbabilities, layerCenters } from './center.js';
import { simulateCrossbarLayer } from './crossbar-model.js';
import { relativeError } from './exact-outputs.js';
import { randomSmallLayer, tierZeroLayer } from './raella-layers.testing.js';
import { selectSlicing } from './slice-selection.js';

const SIGMA = [4, 2, 2];

function centeredTierZero(seed: number, outChannels: number, depth: number, count: number, rows = 512) {
  const { layer, vectors } = tierZeroLayer(new Rng(seed), outChannels, depth, count);
  const p = inputBitProbabilities(vectors.codes, count, depth);
  const centers = layerCenters(layer.weights, outChannels, depth, { mode: 'optimal', centerBits: 8, rows, slicing: SIGMA, p });
  return { layer, vectors, layout: { centers, rows } };
}

describe('analyzeLayer', () => {
  it('shows the near-zero effect on Tier-0 layers (§7.3 #2)', () => {
    const { layer, vectors, layout } = centeredTierZero(1, 32, 1024, 48);
    const sameRows = analyzeLayer(layer, vectors, { ...DEFAULT_ANALYSIS, slicing: SIGMA, layout, baselineRows: 512 });
    // Same rows: mean |column sum| of Center+Offset ≤ 10% of the unsigned baseline's.
    expect(sameRows.centerOffset.pooled.meanAbs).toBeLessThanOrEqual(0.1 * sameRows.baseline.pooled.meanAbs);
    expect(sameRows.centerOffset.bits999).toBeLessThanOrEqual(8);
    expect(sameRows.centerOffset.rows).toBe(512);
    // The baseline's 128-row tiles: compare per row.
    const isaac = analyzeLayer(layer, vectors, { ...DEFAULT_ANALYSIS, slicing: SIGMA, layout });
    expect(isaac.baseline.rows).toBe(128);
    expect(isaac.centerOffset.meanAbsPerRow).toBeLessThanOrEqual(0.1 * isaac.baseline.meanAbsPerRow);
    // Signed slice values cancel around the centers; unsigned ones sit near half their range.
    expect(Math.abs(isaac.centerOffset.meanNormalizedSliceValue)).toBeLessThan(0.06);
    expect(isaac.centerOffset.meanAbsNormalizedSliceValue).toBeLessThan(isaac.baseline.meanAbsNormalizedSliceValue);
    expect(isaac.baseline.meanNormalizedSliceValue).toBeGreaterThan(0.3);
    expect(isaac.baseline.worstCaseBits).toBe(9);
    expect(isaac.centerOffset.worstCaseBits).toBe(14);
    // Unsigned baseline sums are never negative; C+O sums straddle 0.
    expect(isaac.baseline.pooled.min).toBeGreaterThanOrEqual(0);
    expect(isaac.centerOffset.pooled.min).toBeLessThan(0);
    expect(Math.abs(isaac.centerOffset.pooled.mean)).toBeLessThan(isaac.centerOffset.pooled.std);
  });

  it('accounts for speculation: 11 cycles, adcShare in (0, 1], exact when no recovery saturates (§7.3 #3)', () => {
    const { layer, vectors, layout } = centeredTierZero(2, 16, 512, 32);
    const a = analyzeLayer(layer, vectors, { ...DEFAULT_ANALYSIS, slicing: SIGMA, layout, adcBits: 9 });
    expect(a.speculative.cyclesPerVector).toBe(11);
    expect(a.nonSpeculative.cyclesPerVector).toBe(8);
    expect(a.speculative.adcShare).toBeGreaterThan(0);
    expect(a.speculative.adcShare).toBeLessThanOrEqual(1);
    expect(a.speculative.adcShare).toBeGreaterThanOrEqual(3 / 8);
    expect(a.speculative.recoverySaturations).toBe(0);
    expect(a.centerOffset.saturationRate).toBe(0);
    expect(a.speculative.error).toBe(0);
    expect(a.centerOffset.error).toBe(0);
    expect(a.nonSpeculative.conversionsPerMac).toBeCloseTo((3 * 8) / 512, 12);
  });

  it('agrees with the reference crossbar model on conversions, saturations and errors', () => {
    const rng = new Rng(77);
    for (let trial = 0; trial < 40; trial++) {
      const { layer, vectors, layout, slicing } = randomSmallLayer(rng);
      if (slicing.length < 2 || Math.max(...slicing) > 4) continue;
      const adcBits = rng.int(3, 7);
      const a = analyzeLayer(layer, vectors, { ...DEFAULT_ANALYSIS, slicing, layout, adcBits, baselineRows: 16 });
      const plain = simulateCrossbarLayer(layer, vectors, { slicing, adcBits, layout });
      const spec = simulateCrossbarLayer(layer, vectors, { slicing, adcBits, layout, speculation: SIGMA });
      const error = (r: typeof plain) =>
        relativeError(
          r.yPim.map((y, i) => y - r.yExact[i]!),
          r.yExact,
        );
      expect(a.centerOffset.conversions).toBe(plain.conversions);
      expect(a.centerOffset.saturationRate).toBeCloseTo(plain.saturations / plain.conversions, 12);
      expect(a.centerOffset.error).toBeCloseTo(error(plain), 12);
      expect(a.speculative.conversions).toBe(spec.conversions);
      expect(a.speculative.recoverySaturations).toBe(spec.saturations);
      expect(a.speculative.successRate).toBeCloseTo(1 - spec.failures / spec.speculativeConversions, 12);
      expect(a.speculative.error).toBeCloseTo(error(spec), 12);
      expect(a.speculative.cyclesPerVector).toBe(spec.cyclesPerVector);
      if (spec.saturations === 0) expect(Array.from(spec.yPim)).toEqual(Array.from(spec.yExact));
    }
  });

  it('reports the slice selection of selectSlicing and plain JSON data', () => {
    const { layer, vectors, layout } = centeredTierZero(3, 12, 300, 24, 128);
    const a = analyzeLayer(layer, vectors, { ...DEFAULT_ANALYSIS, slicing: SIGMA, layout });
    const direct = selectSlicing(layer, vectors, {
      budget: 1e-2,
      reportBudgets: [1e-3, 1e-4],
      adcBits: 7,
      maxBitsPerCell: 4,
      layout,
    });
    expect(a.selection).toEqual([direct.choice, ...direct.reported]);
    expect(a.centers?.count).toBe(12 * 3);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    const hist = a.centerOffset.slices[2]!.histogram;
    expect(hist.counts.reduce((x, y) => x + y, 0) + hist.below + hist.above).toBe(a.centerOffset.slices[2]!.count);
  });
});

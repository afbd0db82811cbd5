import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { chooseCenter } from './center.js';
import { simulateCrossbarLayer } from './crossbar-model.js';
import { randomSmallLayer } from './raella-layers.testing.js';

describe('crossbar model exactness (algorithms.md §7.3 #1)', () => {
  it('reproduces the integer matmul with an unbounded ADC, for any slicing, on 1000 random layers', () => {
    const rng = new Rng(2024);
    const seen = { signed: 0, grouped: 0, centered: 0, speculative: 0 };
    for (let trial = 0; trial < 1000; trial++) {
      const { layer, vectors, layout, slicing } = randomSmallLayer(rng);
      const speculation = rng.next() < 0.3 ? [4, 2, 2] : undefined;
      const result = simulateCrossbarLayer(layer, vectors, {
        slicing,
        adcBits: 30,
        layout,
        ...(speculation ? { speculation } : {}),
      });
      expect(Array.from(result.yPim)).toEqual(Array.from(result.yExact));
      expect(result.saturations).toBe(0);
      seen.signed += layer.signedInputs ? 1 : 0;
      seen.grouped += layer.groups > 1 ? 1 : 0;
      seen.centered += layout.centers !== undefined ? 1 : 0;
      seen.speculative += speculation !== undefined ? 1 : 0;
    }
    // The random layers cover every feature.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(100);
  });

  it('reproduces the §3.7 column: y = 1016 with center 131 and every input bit 1', () => {
    const weights = Int8Array.from([130, 118, 141, 127, 109, 136, 122, 133].map((w) => w - 128));
    const layer = { name: 'filter', weights, outChannels: 1, depth: 8, groups: 1, zeroPoint: 0, signedInputs: false };
    const center = chooseCenter(weights, 0.5, [4, 2, 2]);
    // Input code 1 on every row, so only bit 0 is set: y = Σ w (int8) = 1016 − 8·128.
    const result = simulateCrossbarLayer(
      layer,
      { count: 1, codes: new Int32Array(8).fill(1) },
      {
        slicing: [4, 2, 2],
        adcBits: 7,
        layout: { centers: [center], rows: 8 },
      },
    );
    expect(result.yPim[0]).toBe(1016 - 8 * 128);
    expect(result.yExact[0]).toBe(1016 - 8 * 128);
    expect(result.conversions).toBe(3 * 8);
  });

  it('clips column sums to the signed ADC range and counts saturations', () => {
    // 64 rows of weight 1 and inputs 1: the LSB-slice column sum is 64 > 63 at 7 bits.
    const layer = {
      name: 'sat',
      weights: new Int8Array(64).fill(1),
      outChannels: 1,
      depth: 64,
      groups: 1,
      zeroPoint: 0,
      signedInputs: false,
    };
    const vectors = { count: 1, codes: new Int32Array(64).fill(1) };
    const result = simulateCrossbarLayer(layer, vectors, {
      slicing: [4, 4],
      adcBits: 7,
      layout: { centers: undefined, rows: 64 },
    });
    expect(result.saturations).toBe(1);
    expect(result.yExact[0]).toBe(64);
    expect(result.yPim[0]).toBe(63);
  });

  it('speculates: 11 cycles, recovery only where a speculative code saturates', () => {
    const layer = {
      name: 'spec',
      weights: new Int8Array(8).fill(3),
      outChannels: 1,
      depth: 8,
      groups: 1,
      zeroPoint: 0,
      signedInputs: false,
    };
    // High nibble 15 on every row: 8·15·3 = 360 saturates the 4-bit slice of the LSB weight slice.
    const vectors = { count: 1, codes: new Int32Array(8).fill(0xf0) };
    const layout = { centers: undefined, rows: 8 };
    const spec = simulateCrossbarLayer(layer, vectors, { slicing: [4, 4], adcBits: 7, layout, speculation: [4, 2, 2] });
    expect(spec.cyclesPerVector).toBe(11);
    expect(spec.speculativeConversions).toBe(2 * 3);
    expect(spec.failures).toBe(1);
    expect(spec.conversions).toBe(2 * 3 + 4);
    // Recovery bits see 8·3 = 24 each: no recovery saturates, so the result is exact.
    expect(spec.saturations).toBe(0);
    expect(spec.yPim[0]).toBe(spec.yExact[0]);
  });
});

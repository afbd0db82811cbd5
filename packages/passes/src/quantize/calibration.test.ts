import { describe, expect, it } from 'vitest';
import { Tensor } from '@pimc/ir';
import { isPimcError } from '@pimc/support';
import { calibratedRange, HistogramObserver, quantile, RangeObserver } from './calibration.js';
import { activationParams, quantizeBias, quantizeValue, quantizeWeights, roundHalfEven } from './params.js';

describe('calibration statistics', () => {
  const values = Array.from({ length: 10001 }, (_, i) => i / 100 - 10); // −10 … 90.00, one outlier-free ramp
  const observe = () => {
    const ranges = new RangeObserver();
    const half = Tensor.from('float32', [5000], values.slice(0, 5000));
    const rest = Tensor.from('float32', [5001], [...values.slice(5000, 10000), NaN, values[10000]!].slice(0, 5001));
    ranges.observe('x', half);
    ranges.observe('x', rest);
    const histograms = new HistogramObserver(ranges.table(), 1000);
    histograms.observe('x', half);
    histograms.observe('x', rest);
    return { ranges: ranges.table().get('x')!, stats: histograms.table().get('x')! };
  };

  it('tracks min and max over every batch, ignoring NaN', () => {
    const { ranges } = observe();
    expect(ranges.min).toBeCloseTo(-10, 5);
    expect(ranges.max).toBeCloseTo(89.99, 4);
    expect(ranges.count).toBe(10001);
  });

  it('finds percentiles from the histogram to within a bin', () => {
    const { stats } = observe();
    const bin = (stats.max - stats.min) / 1000;
    expect(Math.abs(quantile(stats, 0.5) - 40)).toBeLessThanOrEqual(bin);
    expect(Math.abs(quantile(stats, 0.99) - 89)).toBeLessThanOrEqual(bin);
    expect(quantile(stats, 1)).toBeCloseTo(stats.max, 4);
  });

  it('widens ranges to include 0 and refuses what it cannot use', () => {
    const { ranges, stats } = observe();
    expect(calibratedRange({ min: 2, max: 5, count: 3 }, 'minmax', 99.99, 'x')).toEqual({ lo: 0, hi: 5 });
    expect(calibratedRange({ min: -3, max: -1, count: 3 }, 'minmax', 99.99, 'x')).toEqual({ lo: -3, hi: 0 });
    const p = calibratedRange(stats, 'percentile', 99, 'x');
    expect(p.lo).toBeCloseTo(-9, 0);
    expect(p.hi).toBeCloseTo(89, 0);
    const fails = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isPimcError(e, 'invalid-input');
      }
      return false;
    };
    expect(fails(() => calibratedRange(ranges, 'percentile', 99, 'x'))).toBe(true);
    expect(fails(() => calibratedRange({ min: Infinity, max: -Infinity, count: 0 }, 'minmax', 99, 'x'))).toBe(true);
  });
});

describe('quantization parameters', () => {
  it('put the range on 255 steps with 0 exactly representable', () => {
    const u = activationParams(-1, 3, 'uint8');
    expect(u).toEqual({ scale: Math.fround(4 / 255), zeroPoint: roundHalfEven(1 / Math.fround(4 / 255)), dtype: 'uint8' });
    expect(quantizeValue(0, u)).toBe(u.zeroPoint);
    expect(quantizeValue(3, u)).toBe(255);
    expect(quantizeValue(-1, u)).toBe(0);
    const s = activationParams(-1, 3, 'int8');
    expect(s.zeroPoint).toBe(u.zeroPoint - 128);
    expect(activationParams(0, 6, 'uint8').zeroPoint).toBe(0);
    expect(activationParams(0, 0, 'uint8')).toEqual({ scale: 1, zeroPoint: 0, dtype: 'uint8' });
  });

  it('quantize weights symmetrically per channel, a zero channel included', () => {
    const q = quantizeWeights([0.5, -1, 0.25, 0, 0, 0, 2, 1, -2], 3, true);
    expect([...q.scales]).toEqual([Math.fround(1 / 127), Math.fround(2 / 127), Math.fround(2 / 127)]);
    expect([...q.values]).toEqual([64, -127, 32, 0, 0, 0, 127, 64, -127]);
    const t = quantizeWeights([0.5, -1, 2, 1], 2, false);
    expect([...t.scales]).toEqual([Math.fround(2 / 127), Math.fround(2 / 127)]);
  });

  it('quantize the bias on s_x·s_w and refuse what int32 cannot hold', () => {
    expect([...quantizeBias([1, -0.5], 2, 0.01, new Float64Array([0.1, 0.05]))!]).toEqual([1000, -1000]);
    expect(quantizeBias([1e6], 1, 1e-4, new Float64Array([1e-4]))).toBeUndefined();
  });
});

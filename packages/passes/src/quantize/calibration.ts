import { PimcError } from '@pimc/support';
import type { Tensor, TypedArray } from '@pimc/ir';

/**
 * Calibration statistics: what the float executor saw of each value over the calibration inputs.
 * The driver collects them (it owns the executor); the quantize pass turns them into ranges with the
 * method its options name. Keyed by value name.
 */
export interface ValueStatistics {
  readonly min: number;
  readonly max: number;
  /** Number of values observed. */
  readonly count: number;
  /** Counts over `bins` equal bins spanning [min, max]; collected for percentile calibration only. */
  readonly histogram?: Float64Array;
}

export type CalibrationTable = ReadonlyMap<string, ValueStatistics>;

export type CalibrationMethod = 'minmax' | 'percentile';

/** Histogram resolution for percentile calibration [ours]: 1/4096 of the observed range per bin. */
export const HISTOGRAM_BINS = 4096;

/** First calibration pass: min, max and count per value. NaN values are ignored. */
export class RangeObserver {
  private readonly ranges = new Map<string, { min: number; max: number; count: number }>();

  observe(name: string, tensor: Tensor): void {
    const data = tensor.data as TypedArray;
    let r = this.ranges.get(name);
    if (r === undefined) this.ranges.set(name, (r = { min: Infinity, max: -Infinity, count: 0 }));
    let { min, max } = r;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    r.min = min;
    r.max = max;
    r.count += data.length;
  }

  names(): string[] {
    return [...this.ranges.keys()];
  }

  table(): Map<string, ValueStatistics> {
    return new Map([...this.ranges].map(([name, r]) => [name, { ...r }]));
  }
}

/**
 * Second calibration pass (percentile only): a histogram per value over the range the first pass
 * found, so the percentile is found in one more run without keeping every value in memory.
 */
export class HistogramObserver {
  private readonly histograms = new Map<string, Float64Array>();

  constructor(
    private readonly ranges: ReadonlyMap<string, ValueStatistics>,
    private readonly bins = HISTOGRAM_BINS,
  ) {}

  observe(name: string, tensor: Tensor): void {
    const range = this.ranges.get(name);
    if (range === undefined) return;
    let h = this.histograms.get(name);
    if (h === undefined) this.histograms.set(name, (h = new Float64Array(this.bins)));
    const data = tensor.data as TypedArray;
    const width = range.max - range.min;
    const perUnit = width > 0 ? this.bins / width : 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) continue;
      const bin = Math.min(this.bins - 1, Math.max(0, Math.floor((v - range.min) * perUnit)));
      h[bin]!++;
    }
  }

  table(): Map<string, ValueStatistics> {
    return new Map(
      [...this.ranges].map(([name, r]) => {
        const histogram = this.histograms.get(name);
        return [name, histogram === undefined ? r : { ...r, histogram }];
      }),
    );
  }
}

/**
 * The value below which a fraction `q` of the observations fall, interpolated linearly inside the
 * histogram bin where the cumulative count crosses `q · count`.
 */
export function quantile(stats: ValueStatistics, q: number): number {
  const h = stats.histogram;
  if (h === undefined) throw new PimcError('internal', 'quantile needs a histogram');
  const total = h.reduce((a, b) => a + b, 0);
  if (total === 0 || stats.max <= stats.min) return q < 0.5 ? stats.min : stats.max;
  const target = q * total;
  const width = (stats.max - stats.min) / h.length;
  let below = 0;
  for (let i = 0; i < h.length; i++) {
    const n = h[i]!;
    if (below + n >= target && n > 0) return stats.min + width * (i + (target - below) / n);
    below += n;
  }
  return stats.max;
}

/**
 * The real range a value is quantized over: [min, max] (minmax), or the [100 − p, p] percentiles
 * (percentile), widened to include 0 so that 0 is exactly representable.
 */
export function calibratedRange(
  stats: ValueStatistics,
  method: CalibrationMethod,
  percentile: number,
  name: string,
): { lo: number; hi: number } {
  let lo = stats.min;
  let hi = stats.max;
  if (method === 'percentile') {
    if (stats.histogram === undefined) {
      throw new PimcError(
        'invalid-input',
        `percentile calibration needs a histogram of '${name}', but only min/max were collected`,
        {
          notes: ['collect statistics with the percentile method (quantizeModel does when calibration=percentile)'],
        },
      );
    }
    lo = quantile(stats, 1 - percentile / 100);
    hi = quantile(stats, percentile / 100);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new PimcError('invalid-input', `calibration range of '${name}' is not finite ([${lo}, ${hi}])`, {
      notes: ['the calibration inputs produced infinities or never reached this value'],
    });
  }
  return { lo: Math.min(lo, 0), hi: Math.max(hi, 0) };
}

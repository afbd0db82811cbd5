// Histograms with uniform bins and the statistics RAELLA reports from them (min, max, mean, std,
// p0.1, p99.9, ADC bits needed). With width 1 and an integer start, each bin is one integer value,
// so the statistics are exact for integer column sums.

export interface Histogram {
  /** Centre of bin 0. */
  readonly start: number;
  /** Bin width; 1 (the default) for integer-valued data. */
  readonly width?: number;
  /** counts[i] is the number of samples in the bin centred on start + i·width. */
  readonly counts: readonly number[];
}

export interface DistributionStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** 0.1th percentile (nearest rank). */
  readonly p0_1: number;
  /** 99.9th percentile (nearest rank). */
  readonly p99_9: number;
}

/** Bin centres and usable counts (non-finite or negative counts count as 0). */
function bins(h: Histogram): { centre: number; count: number }[] {
  const width = h.width !== undefined && Number.isFinite(h.width) && h.width > 0 ? h.width : 1;
  const counts = h.counts ?? [];
  return counts.map((c, i) => ({ centre: h.start + i * width, count: Number.isFinite(c) && c > 0 ? c : 0 }));
}

const MAX_BINS = 100_000;

/**
 * Bins samples into bins of `width` (1 for integer data); non-finite samples are ignored. The width
 * grows (by whole multiples) when the samples would need more than 100 000 bins.
 */
export function histogramOf(values: Iterable<number>, width = 1): Histogram {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  let w = Number.isFinite(width) && width > 0 ? width : 1;
  if (finite.length === 0) return { start: 0, width: w, counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const spanBins = (hi - lo) / w + 1;
  if (spanBins > MAX_BINS) w *= Math.ceil(spanBins / MAX_BINS);
  const first = Math.round(lo / w);
  const counts = new Array<number>(Math.round(hi / w) - first + 1).fill(0);
  for (const v of finite) counts[Math.round(v / w) - first]++;
  return { start: first * w, width: w, counts };
}

/** Statistics of the binned samples (bin centres stand for their samples), or undefined if empty. */
export function histogramStats(h: Histogram): DistributionStats | undefined {
  const used = bins(h).filter((b) => b.count > 0);
  const count = used.reduce((s, b) => s + b.count, 0);
  if (count === 0) return undefined;
  const mean = used.reduce((s, b) => s + b.centre * b.count, 0) / count;
  const variance = used.reduce((s, b) => s + (b.centre - mean) ** 2 * b.count, 0) / count;
  const quantile = (p: number): number => {
    const rank = Math.max(1, Math.ceil(p * count));
    let seen = 0;
    for (const b of used) {
      seen += b.count;
      if (seen >= rank) return b.centre;
    }
    return used[used.length - 1].centre;
  };
  return {
    count,
    min: used[0].centre,
    max: used[used.length - 1].centre,
    mean,
    std: Math.sqrt(variance),
    p0_1: quantile(0.001),
    p99_9: quantile(0.999),
  };
}

/**
 * ADC resolution that covers [lo, hi] (RAELLA §3.6): signed, the smallest b with
 * lo ≥ −2^(b−1) and hi ≤ 2^(b−1) − 1; unsigned, ⌈log2(hi + 1)⌉.
 */
export function adcBitsFor(lo: number, hi: number, signed: boolean): number {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return NaN;
  if (!signed) return hi <= 0 ? 0 : Math.ceil(Math.log2(Math.floor(hi) + 1));
  let b = 1;
  while (b < 64 && (lo < -(2 ** (b - 1)) || hi > 2 ** (b - 1) - 1)) b++;
  return b;
}

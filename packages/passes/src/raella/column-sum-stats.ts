/*
 * Column-sum statistics (algorithms.md §3.6) from exact integer histograms: min, max, mean, std,
 * the 0.1 and 99.9 percentiles, mean |s|, the ADC bits that cover all sums and 99.9% of them, and a
 * report histogram with integer bins clipped to ±REPORT_LIMIT.
 */

/** Report histograms keep integer bins in [−512, 512]; what lies beyond is counted in below/above. */
export const REPORT_LIMIT = 512;

/** An integer histogram as plain data: counts[i] sums to value lo + i. */
export interface SumHistogram {
  readonly lo: number;
  readonly counts: number[];
  readonly below: number;
  readonly above: number;
}

export interface ColumnSumStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  readonly p001: number;
  readonly p999: number;
  readonly meanAbs: number;
  /** ADC bits covering every sum, and 99.9% of them (signed or unsigned range as the encoding). */
  readonly bitsFull: number;
  readonly bits999: number;
  readonly histogram: SumHistogram;
}

/** Counts of the integers in [lo, hi]; a value outside is a bug in the caller's bound. */
export class IntegerHistogram {
  readonly counts: Float64Array;

  constructor(
    readonly lo: number,
    readonly hi: number,
  ) {
    this.counts = new Float64Array(hi - lo + 1);
  }

  add(value: number, times = 1): void {
    this.counts[value - this.lo] = this.counts[value - this.lo]! + times;
  }

  /** Adds another histogram's counts (its range inside this one). */
  merge(other: IntegerHistogram): void {
    for (let i = 0; i < other.counts.length; i++) if (other.counts[i] !== 0) this.add(other.lo + i, other.counts[i]);
  }

  /** Statistics of the counted values; an ADC is `signed` ([−2^(b−1), 2^(b−1) − 1]) or not ([0, 2^b − 1]). */
  stats(signed: boolean): ColumnSumStats {
    const { counts, lo } = this;
    let count = 0;
    let sum = 0;
    let squares = 0;
    let abs = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const v = lo + i;
      count += c;
      sum += c * v;
      squares += c * v * v;
      abs += c * Math.abs(v);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (count === 0) return emptyStats();
    const mean = sum / count;
    return {
      count,
      min,
      max,
      mean,
      std: Math.sqrt(Math.max(0, squares / count - mean * mean)),
      p001: this.quantile(0.001, count),
      p999: this.quantile(0.999, count),
      meanAbs: abs / count,
      bitsFull: signed ? signedBits(min, max) : unsignedBits(max),
      bits999: this.coveringBits(0.999, count, signed),
      histogram: this.report(min, max),
    };
  }

  /** Fraction of the counts inside [a, b]. */
  fractionWithin(a: number, b: number): number {
    let inside = 0;
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const v = this.lo + i;
      total += this.counts[i]!;
      if (v >= a && v <= b) inside += this.counts[i]!;
    }
    return total === 0 ? 1 : inside / total;
  }

  /** Nearest-rank quantile: the smallest value whose cumulative count reaches ⌈q·count⌉. */
  private quantile(q: number, count: number): number {
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return this.lo + i;
    }
    return this.hi;
  }

  /** The fewest ADC bits whose code range holds at least `share` of the sums. */
  private coveringBits(share: number, count: number, signed: boolean): number {
    for (let bits = signed ? 1 : 0; bits < 64; bits++) {
      const [a, b] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
      if (this.fractionWithin(a, b) * count >= share * count - 1e-9) return bits;
    }
    return 64;
  }

  private report(min: number, max: number): SumHistogram {
    const [a, b] = [Math.max(min, -REPORT_LIMIT), Math.min(max, REPORT_LIMIT)];
    let below = 0;
    let above = 0;
    const counts: number[] = [];
    for (let i = 0; i < this.counts.length; i++) {
      const v = this.lo + i;
      if (v < a) below += this.counts[i]!;
      else if (v > b) above += this.counts[i]!;
      else counts.push(this.counts[i]!);
    }
    return { lo: a, counts, below, above };
  }
}

/** Smallest b with min ≥ −2^(b−1) and max ≤ 2^(b−1) − 1. */
export function signedBits(min: number, max: number): number {
  let bits = 1;
  while (min < -(2 ** (bits - 1)) || max > 2 ** (bits - 1) - 1) bits++;
  return bits;
}

/** ⌈log2(max + 1)⌉. */
export function unsignedBits(max: number): number {
  return max <= 0 ? 0 : Math.ceil(Math.log2(max + 1));
}

/** The analytic worst case ⌈log2(R·(2^w − 1)·(2^d − 1) + 1)⌉, plus a sign bit for signed sums. */
export function worstCaseBits(rows: number, weightBits: number, inputBits: number, signed: boolean): number {
  return unsignedBits(rows * (2 ** weightBits - 1) * (2 ** inputBits - 1)) + (signed ? 1 : 0);
}

function emptyStats(): ColumnSumStats {
  return {
    count: 0,
    min: 0,
    max: 0,
    mean: 0,
    std: 0,
    p001: 0,
    p999: 0,
    meanAbs: 0,
    bitsFull: 0,
    bits999: 0,
    histogram: { lo: 0, counts: [], below: 0, above: 0 },
  };
}

// Sorting chart inputs into drawable values and the notes that explain what was left out.

export type MaybeNumber = number | null | undefined;

/** Counts of values a chart could not draw, turned into notes under the chart. */
export class SkippedValues {
  private nonFinite = 0;
  private nonPositiveOnLog = 0;
  private negativeInStack = 0;

  /** The value if it can be drawn; otherwise undefined, and the reason is counted. */
  accept(v: MaybeNumber, options: { log?: boolean; stacked?: boolean } = {}): number | undefined {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.nonFinite++;
      return undefined;
    }
    if (options.log && v <= 0) {
      this.nonPositiveOnLog++;
      return undefined;
    }
    if (options.stacked && v < 0) {
      this.negativeInStack++;
      return undefined;
    }
    return v;
  }

  notes(): string[] {
    const out: string[] = [];
    const plural = (n: number): string => (n === 1 ? '1 value' : `${n} values`);
    if (this.nonFinite > 0) out.push(`Note: ${plural(this.nonFinite)} skipped (NaN or Infinity).`);
    if (this.nonPositiveOnLog > 0) out.push(`Note: ${plural(this.nonPositiveOnLog)} ≤ 0 not shown on the log scale.`);
    if (this.negativeInStack > 0) out.push(`Note: ${plural(this.negativeInStack)} < 0 left out of the stacks.`);
    return out;
  }
}

/** Smallest positive and largest finite values, for choosing a scale. */
export function extent(values: Iterable<number>): { min: number; max: number; minPositive: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  let minPositive = Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0 && v < minPositive) minPositive = v;
  }
  return min <= max ? { min, max, minPositive } : undefined;
}

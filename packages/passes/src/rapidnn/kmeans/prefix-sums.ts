/**
 * Prefix sums of weight, value and squared value over an ordered sequence of (weighted) points,
 * so that the weight, mean and SSE of any contiguous run — a 1-D cluster — cost O(1).
 *
 * The sums are taken of `x − shift` with `shift` near the median: SSE = Σx² − (Σx)²/W cancels
 * catastrophically when the values sit far from zero relative to their spread, and centring keeps
 * that subtraction well conditioned. Means and centroids are in the caller's units.
 */
export class PrefixSums {
  /**
   * @param weight prefix weights (length n + 1), or undefined when every weight is 1
   * @param sum Σ w·(x − shift) over the first i points (length n + 1)
   * @param squares Σ w·(x − shift)² over the first i points (length n + 1)
   */
  constructor(
    readonly weight: Float64Array | undefined,
    readonly sum: Float64Array,
    readonly squares: Float64Array,
    readonly shift: number,
  ) {}

  /** Number of points. */
  get length(): number {
    return this.sum.length - 1;
  }

  /** Total weight of the first i points. */
  weightBefore(i: number): number {
    return this.weight === undefined ? i : this.weight[i];
  }

  /** Weight of the run [a, b). */
  runWeight(a: number, b: number): number {
    return this.weight === undefined ? b - a : this.weight[b] - this.weight[a];
  }

  /** Weighted mean of the run [a, b); the caller ensures the run has weight. */
  mean(a: number, b: number): number {
    return this.shift + (this.sum[b] - this.sum[a]) / this.runWeight(a, b);
  }

  /** Weighted SSE of the run [a, b) around its own mean (0 for an empty run). */
  sse(a: number, b: number): number {
    const w = this.runWeight(a, b);
    if (w <= 0) return 0;
    const s = this.sum[b] - this.sum[a];
    const within = this.squares[b] - this.squares[a] - (s * s) / w;
    return within > 0 ? within : 0;
  }

  /** Weighted SSE of the run [a, b) around the point c. */
  sseAround(a: number, b: number, c: number): number {
    const w = this.runWeight(a, b);
    if (w <= 0) return 0;
    const d = this.shift + (this.sum[b] - this.sum[a]) / w - c;
    return this.sse(a, b) + w * d * d;
  }
}

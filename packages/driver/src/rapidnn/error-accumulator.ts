/** How far approximate values are from their float reference. */
export interface ErrorMetrics {
  readonly elements: number;
  /** Mean squared error. */
  readonly mse: number;
  /** Cosine similarity with the reference (1 when both are zero). */
  readonly cosine: number;
  readonly maxAbsError: number;
}

/** Accumulates ErrorMetrics over several tensors (calibration runs), in float64. */
export class ErrorAccumulator {
  private n = 0;
  private squares = 0;
  private dot = 0;
  private normActual = 0;
  private normReference = 0;
  private maxAbs = 0;

  add(actual: ArrayLike<number>, reference: ArrayLike<number>): void {
    for (let i = 0; i < reference.length; i++) {
      const a = actual[i]!;
      const r = reference[i]!;
      const e = Math.abs(a - r);
      // NaN must not hide: it makes the maximum infinite.
      this.maxAbs = Number.isNaN(e) ? Infinity : Math.max(this.maxAbs, e);
      this.squares += e * e;
      this.dot += a * r;
      this.normActual += a * a;
      this.normReference += r * r;
    }
    this.n += reference.length;
  }

  result(): ErrorMetrics {
    const denominator = Math.sqrt(this.normActual * this.normReference);
    return {
      elements: this.n,
      mse: this.n === 0 ? 0 : this.squares / this.n,
      cosine: denominator === 0 ? (this.normActual === this.normReference ? 1 : 0) : this.dot / denominator,
      maxAbsError: this.maxAbs,
    };
  }
}

/** Index of the largest of `width` values from `offset` (the first on ties). */
export function argmax(values: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[offset + j]! > values[offset + best]!) best = j;
  return best;
}

import { gemm } from '../../gemm.js';

/**
 * Exact integer matrix products on the float32 GEMM. A float32 sum of integers is exact while every
 * partial sum stays below 2^24 in magnitude, whatever the summation order; so the K dimension is cut
 * into chunks whose worst-case sum (Σ over the chunk of the largest |a·b| each k can give) is below
 * 2^24, each chunk runs through the fast float32 GEMM, and the chunk results are added in float64
 * (exact below 2^53). Quantized layers need one to three chunks in practice.
 */
const FLOAT32_EXACT = 2 ** 24;

export class ExactIntegerGemm {
  /** Chunk boundaries along K: chunk i covers [bounds[i], bounds[i + 1]). */
  private readonly bounds: number[];
  /** A's columns of each chunk, contiguous (row-major [M, chunk]). */
  private readonly chunks: Float32Array[];
  private scratch: Float32Array = new Float32Array(0);

  /**
   * `a` is the fixed left operand, row-major [M, K] (the weights); `kBound[k]` bounds |A[m, k]·B[k, n]|
   * over all m and n (the largest |weight| in column k times the largest |input| that can meet it).
   */
  constructor(
    private readonly m: number,
    private readonly k: number,
    a: Float32Array,
    aOffset: number,
    kBound: ArrayLike<number>,
  ) {
    this.bounds = [0];
    let sum = 0;
    for (let i = 0; i < k; i++) {
      if (sum + kBound[i]! >= FLOAT32_EXACT && i > this.bounds[this.bounds.length - 1]!) {
        this.bounds.push(i);
        sum = 0;
      }
      sum += kBound[i]!;
    }
    this.bounds.push(k);
    this.chunks = [];
    for (let c = 0; c + 1 < this.bounds.length; c++) {
      const [k0, k1] = [this.bounds[c]!, this.bounds[c + 1]!];
      if (k0 === 0 && k1 === k) {
        this.chunks.push(a.subarray(aOffset, aOffset + m * k));
        continue;
      }
      const width = k1 - k0;
      const chunk = new Float32Array(m * width);
      for (let r = 0; r < m; r++) chunk.set(a.subarray(aOffset + r * k + k0, aOffset + r * k + k1), r * width);
      this.chunks.push(chunk);
    }
  }

  /** `C[M, N] += A · B` with B row-major [K, N] at `bOffset`, C float64 at `cOffset`. */
  multiplyAdd(n: number, b: Float32Array, bOffset: number, c: Float64Array, cOffset: number): void {
    const size = this.m * n;
    if (size === 0) return;
    if (this.scratch.length < size) this.scratch = new Float32Array(size);
    const tmp = this.scratch.subarray(0, size);
    this.chunks.forEach((chunk, i) => {
      const k0 = this.bounds[i]!;
      const width = this.bounds[i + 1]! - k0;
      gemm(this.m, n, width, chunk, 0, b, bOffset + k0 * n, tmp, 0);
      for (let j = 0; j < size; j++) c[cOffset + j]! += tmp[j]!;
    });
  }

  /** Number of K chunks (for tests). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  get depth(): number {
    return this.k;
  }
}

/**
 * Per column k of row-major int8 weights [rows, cols] (from row `row0`): the largest |w[r, k]|
 * times `maxInput`, the bound ExactIntegerGemm chunks K by.
 */
export function columnBounds(w: Int8Array, offset: number, rows: number, cols: number, maxInput: number): Float64Array {
  const largest = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * cols;
    for (let j = 0; j < cols; j++) {
      const v = w[base + j]!;
      const a = v < 0 ? -v : v;
      if (a > largest[j]!) largest[j] = a;
    }
  }
  const bound = new Float64Array(cols);
  for (let j = 0; j < cols; j++) bound[j] = largest[j]! * maxInput;
  return bound;
}

import { sgemm } from '@pimc/kernels';
import { PimcError } from '@pimc/support';

export { sgemm };

/**
 * The float GEMM every matrix-shaped kernel (Conv, ConvTranspose, Gemm, MatMul) goes through.
 * float32 runs on the WebAssembly SIMD kernel of `@pimc/kernels` (about 35 GFLOP/s against under
 * 1 for a plain JavaScript loop, see docs/benchmarks.md); float64 (float64 models, integer
 * MatMul) keeps a plain loop, since no real model spends its time there.
 */
export interface GemmOptions {
  /** A is stored K×M (row-major) and used transposed. */
  transA?: boolean;
  /** B is stored N×K (row-major) and used transposed. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
  /** A never changes while its array is alive (a graph constant): float32 keeps it resident in wasm memory. */
  constantA?: boolean;
  /** The same for B. */
  constantB?: boolean;
}

function transposed<T extends Float32Array | Float64Array>(X: T, offset: number, rows: number, cols: number): T {
  const out = new (X.constructor as new (n: number) => T)(rows * cols);
  for (let r = 0; r < rows; r++) {
    const src = offset + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = X[src + c]!;
  }
  return out;
}

/** The float64 counterpart (float64 models, integer MatMul): a plain i-k-j loop. */
export function dgemm(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOffset: number,
  B: Float64Array,
  bOffset: number,
  C: Float64Array,
  cOffset: number,
  opts: GemmOptions = {},
): void {
  checkOperands(M, N, K, A.length - aOffset, B.length - bOffset, C.length - cOffset);
  if (opts.accumulate !== true) C.fill(0, cOffset, cOffset + M * N);
  const a = opts.transA === true ? transposed(A, aOffset, K, M) : A;
  const aOff = opts.transA === true ? 0 : aOffset;
  const b = opts.transB === true ? transposed(B, bOffset, N, K) : B;
  const bOff = opts.transB === true ? 0 : bOffset;
  for (let i = 0; i < M; i++) {
    const cRow = cOffset + i * N;
    for (let k = 0; k < K; k++) {
      const av = a[aOff + i * K + k]!;
      const bRow = bOff + k * N;
      for (let j = 0; j < N; j++) C[cRow + j] += av * b[bRow + j]!;
    }
  }
}

export type FloatArray = Float32Array | Float64Array;

/** GEMM on whichever float storage the operands use (all three must agree). */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: FloatArray,
  aOffset: number,
  B: FloatArray,
  bOffset: number,
  C: FloatArray,
  cOffset: number,
  opts: GemmOptions = {},
): void {
  if (A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array) {
    sgemm(M, N, K, A, aOffset, B, bOffset, C, cOffset, opts);
  } else if (A instanceof Float64Array && B instanceof Float64Array && C instanceof Float64Array) {
    dgemm(M, N, K, A, aOffset, B, bOffset, C, cOffset, opts);
  } else {
    throw new PimcError('internal', 'gemm: operands mix float32 and float64 storage');
  }
}

function checkOperands(M: number, N: number, K: number, aLen: number, bLen: number, cLen: number): void {
  for (const [name, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new PimcError('internal', `gemm: ${name} = ${v} is not a size`);
  }
  if (aLen < M * K || bLen < K * N || cLen < M * N) {
    throw new PimcError('internal', `gemm: operands too short for M=${M} N=${N} K=${K} (A ${aLen}, B ${bLen}, C ${cLen})`);
  }
}

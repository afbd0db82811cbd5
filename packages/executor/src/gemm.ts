import { PimcError } from '@pimc/support';

/**
 * The float GEMM every matrix-shaped kernel (Conv, ConvTranspose, Gemm, MatMul) goes through.
 * `sgemm` is a cache-blocked pure-JS fallback; the WebAssembly SIMD version in `@pimc/kernels`
 * has the same signature and is meant to replace it here, in one place.
 */
export interface GemmOptions {
  /** A is stored K×M (row-major) and used transposed. */
  transA?: boolean;
  /** B is stored N×K (row-major) and used transposed. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
}

/** Column block: a B panel of KB × NB floats (128 KiB) stays in L2 while every row of A passes. */
const NB = 256;
const KB = 128;

/** C[M×N] (+)= op(A)[M×K] · op(B)[K×N] in float32; all matrices dense row-major at the given offsets. */
export function sgemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOffset: number,
  B: Float32Array,
  bOffset: number,
  C: Float32Array,
  cOffset: number,
  opts: GemmOptions = {},
): void {
  checkOperands(M, N, K, A.length - aOffset, B.length - bOffset, C.length - cOffset);
  if (opts.accumulate !== true) C.fill(0, cOffset, cOffset + M * N);
  if (M === 0 || N === 0 || K === 0) return;
  if (opts.transB === true && opts.transA !== true && M <= 4) {
    // Matrix-vector shapes (a fully connected layer at batch 1): rows of A and of B are both
    // contiguous, so dot products beat transposing B.
    dotRows(M, N, K, A, aOffset, B, bOffset, C, cOffset);
    return;
  }
  let a = A;
  let aOff = aOffset;
  if (opts.transA === true) {
    a = transposed(A, aOffset, K, M);
    aOff = 0;
  }
  let b = B;
  let bOff = bOffset;
  if (opts.transB === true) {
    b = transposed(B, bOffset, N, K);
    bOff = 0;
  }
  blocked(M, N, K, a, aOff, b, bOff, C, cOffset);
}

/**
 * The i-k-j kernel over column and depth blocks, four rows of B per pass. Sums are kept in float64
 * for a whole column block and rounded to float32 once, so the result hardly depends on K or on the
 * blocking (a float32 running sum would drift by a few ulps over long dot products).
 */
function blocked(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
): void {
  const acc = new Float64Array(M * Math.min(NB, N));
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = Math.min(N, j0 + NB);
    const width = j1 - j0;
    acc.fill(0, 0, M * width);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      for (let i = 0; i < M; i++) {
        const aRow = aOff + i * K;
        const r = i * width - j0;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const a0 = A[aRow + k]!;
          const a1 = A[aRow + k + 1]!;
          const a2 = A[aRow + k + 2]!;
          const a3 = A[aRow + k + 3]!;
          const b0 = bOff + k * N;
          const b1 = b0 + N;
          const b2 = b1 + N;
          const b3 = b2 + N;
          for (let j = j0; j < j1; j++) {
            acc[r + j] += a0 * B[b0 + j]! + a1 * B[b1 + j]! + a2 * B[b2 + j]! + a3 * B[b3 + j]!;
          }
        }
        for (; k < k1; k++) {
          const a0 = A[aRow + k]!;
          const b0 = bOff + k * N;
          for (let j = j0; j < j1; j++) acc[r + j] += a0 * B[b0 + j]!;
        }
      }
    }
    for (let i = 0; i < M; i++) {
      const r = i * width - j0;
      const c = cOff + i * N;
      for (let j = j0; j < j1; j++) C[c + j] += acc[r + j]!;
    }
  }
}

function dotRows(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
): void {
  for (let i = 0; i < M; i++) {
    const aRow = aOff + i * K;
    for (let j = 0; j < N; j++) {
      const bRow = bOff + j * K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < K; k += 4) {
        s0 += A[aRow + k]! * B[bRow + k]!;
        s1 += A[aRow + k + 1]! * B[bRow + k + 1]!;
        s2 += A[aRow + k + 2]! * B[bRow + k + 2]!;
        s3 += A[aRow + k + 3]! * B[bRow + k + 3]!;
      }
      for (; k < K; k++) s0 += A[aRow + k]! * B[bRow + k]!;
      C[cOff + i * N + j] += s0 + s1 + s2 + s3;
    }
  }
}

/** The transpose of the rows × cols matrix at `offset`, as a new cols × rows matrix. */
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

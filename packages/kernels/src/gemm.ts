import { checkRange } from './check.js';
import { align4, arena, gemm } from './wasm.js';

export interface SgemmOptions {
  /** A is stored K×M (row-major) and used transposed. */
  transA?: boolean;
  /** B is stored N×K (row-major) and used transposed. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
}

/**
 * C[M×N] (+)= op(A)[M×K] · op(B)[K×N] in float32, all matrices dense row-major starting at
 * the given element offsets. op(X) is X or Xᵀ according to `opts`.
 *
 * The operands are copied into the kernels' WebAssembly memory, multiplied there with a
 * SIMD microkernel (on several threads when large, see setThreads), and the result copied
 * back. Synchronous; not re-entrant (one shared arena), which is fine on one JS thread.
 */
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
  opts: SgemmOptions = {},
): void {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const accumulate = opts.accumulate ?? false;
  checkDims(M, N, K);
  const aLen = M * K;
  const bLen = K * N;
  const cLen = M * N;
  checkRange('sgemm', 'A', A, aOffset, aLen);
  checkRange('sgemm', 'B', B, bOffset, bLen);
  checkRange('sgemm', 'C', C, cOffset, cLen);
  if (cLen === 0) return;

  const aAt = 0;
  const bAt = align4(aAt + aLen);
  const cAt = align4(bAt + bLen);
  const { heap, base } = arena(cAt + cLen);
  heap.set(A.subarray(aOffset, aOffset + aLen), base + aAt);
  heap.set(B.subarray(bOffset, bOffset + bLen), base + bAt);
  if (accumulate) heap.set(C.subarray(cOffset, cOffset + cLen), base + cAt);
  gemm(
    M,
    N,
    K,
    (base + aAt) * 4,
    transA ? M : K,
    transA,
    (base + bAt) * 4,
    transB ? K : N,
    transB,
    (base + cAt) * 4,
    N,
    accumulate,
  );
  C.set(heap.subarray(base + cAt, base + cAt + cLen), cOffset);
}

function checkDims(M: number, N: number, K: number): void {
  for (const [name, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`sgemm: ${name} must be a non-negative integer, got ${v}`);
  }
}

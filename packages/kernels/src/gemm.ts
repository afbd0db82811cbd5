import { checkRange } from './check.js';
import { alignLine, beginCall, gemm, memoryView, residentCopy, workspace } from './wasm.js';

export interface SgemmOptions {
  /** A is stored K×M (row-major) and used transposed. */
  transA?: boolean;
  /** B is stored N×K (row-major) and used transposed. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
  /**
   * A's range never changes while the array is alive (a model's weights): it is copied into
   * WebAssembly memory once and reused by later calls (see setResidentCapacity).
   */
  constantA?: boolean;
  /** The same promise for B. */
  constantB?: boolean;
}

/**
 * C[M×N] (+)= op(A)[M×K] · op(B)[K×N] in float32, all matrices dense row-major starting at
 * the given element offsets. op(X) is X or Xᵀ according to `opts`.
 *
 * The operands are copied into the kernels' WebAssembly memory (constant ones only once, see
 * `constantA`), multiplied there with a SIMD microkernel (on several threads when large, see
 * setThreads), and the result copied back. Synchronous; not re-entrant (one shared
 * workspace), which is fine on one JS thread.
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

  beginCall();
  // Constant operands are resident; the rest is copied into the workspace: [A][B][C].
  const aResident = opts.constantA === true ? residentCopy(A, aOffset, aLen) : -1;
  const bResident = opts.constantB === true ? residentCopy(B, bOffset, bLen) : -1;
  const aAt = 0;
  const bAt = aAt + (aResident < 0 ? alignLine(aLen) : 0);
  const cAt = bAt + (bResident < 0 ? alignLine(bLen) : 0);
  const base = workspace(cAt + cLen) / 4;
  const heap = memoryView();
  if (aResident < 0) heap.set(A.subarray(aOffset, aOffset + aLen), base + aAt);
  if (bResident < 0) heap.set(B.subarray(bOffset, bOffset + bLen), base + bAt);
  if (accumulate) heap.set(C.subarray(cOffset, cOffset + cLen), base + cAt);
  gemm(
    M,
    N,
    K,
    aResident < 0 ? (base + aAt) * 4 : aResident,
    transA ? M : K,
    transA,
    bResident < 0 ? (base + bAt) * 4 : bResident,
    transB ? K : N,
    transB,
    (base + cAt) * 4,
    N,
    accumulate,
  );
  // gemm may have allocated thread scratch: take a fresh view.
  C.set(memoryView().subarray(base + cAt, base + cAt + cLen), cOffset);
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

// Entry points for splitting one product (or im2col) over several threads. Every thread calls
// the same function with the same arguments (and its own scratch); they claim chunks of the
// output from a shared counter until none are left. A thread that starts late (another
// process had its core) simply finds fewer or no chunks, so a stalled helper never holds the
// others up. Chunks are disjoint, and each element is computed by the same instruction
// sequence whichever chunk or thread it lands in, so results do not depend on the split.
import { blocked } from './blocked';
import { im2colRows } from './im2col';

/**
 * sgemm (see there) on chunks of C: rows (byRows) or columns [i·step, (i+1)·step), i claimed
 * from the i32 counter at `counter`. Chunks always take the blocked path, even one row or
 * column wide (where sgemm would switch to a matrix-vector loop that sums in another order),
 * so that results do not depend on the split; the host only splits products of at least two
 * rows and columns, which sgemm also computes blocked.
 */
export function sgemmChunks(
  counter: usize,
  step: i32,
  byRows: bool,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  transA: bool,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  scratch: usize,
): void {
  const chunks = ((byRows ? m : n) + step - 1) / step;
  for (let i = atomic.add<i32>(counter, 1); i < chunks; i = atomic.add<i32>(counter, 1)) {
    const lo = i * step;
    if (byRows) {
      const aBlock = a + <usize>(transA ? lo : lo * lda) * 4;
      const biasBlock: usize = bias == 0 ? 0 : bias + <usize>lo * 4;
      blocked(
        min(step, m - lo),
        n,
        k,
        aBlock,
        lda,
        transA,
        false,
        0,
        b,
        ldb,
        transB,
        c + <usize>lo * <usize>ldc * 4,
        ldc,
        accumulate,
        biasBlock,
        scratch,
      );
    } else {
      const bBlock = b + <usize>(transB ? lo * ldb : lo) * 4;
      blocked(
        m,
        min(step, n - lo),
        k,
        a,
        lda,
        transA,
        false,
        0,
        bBlock,
        ldb,
        transB,
        c + <usize>lo * 4,
        ldc,
        accumulate,
        bias,
        scratch,
      );
    }
  }
}

/** sgemmPacked (see gemm.ts) on chunks of C, as sgemmChunks. */
export function sgemmPackedChunks(
  counter: usize,
  step: i32,
  byRows: bool,
  m: i32,
  n: i32,
  k: i32,
  packed: usize,
  mPad: i32,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  scratch: usize,
): void {
  const chunks = ((byRows ? m : n) + step - 1) / step;
  for (let i = atomic.add<i32>(counter, 1); i < chunks; i = atomic.add<i32>(counter, 1)) {
    const lo = i * step;
    if (byRows) {
      const biasBlock: usize = bias == 0 ? 0 : bias + <usize>lo * 4;
      blocked(
        min(step, m - lo),
        n,
        k,
        packed,
        mPad,
        false,
        true,
        lo,
        b,
        ldb,
        transB,
        c + <usize>lo * <usize>ldc * 4,
        ldc,
        accumulate,
        biasBlock,
        scratch,
      );
    } else {
      const bBlock = b + <usize>(transB ? lo * ldb : lo) * 4;
      blocked(
        m,
        min(step, n - lo),
        k,
        packed,
        mPad,
        false,
        true,
        0,
        bBlock,
        ldb,
        transB,
        c + <usize>lo * 4,
        ldc,
        accumulate,
        bias,
        scratch,
      );
    }
  }
}

/** im2col (see gemm.ts) on chunks of `step` row groups (one channel and kernel row each, see im2col.ts). */
export function im2colChunks(
  counter: usize,
  step: i32,
  x: usize,
  channels: i32,
  height: i32,
  width: i32,
  kh: i32,
  kw: i32,
  strideH: i32,
  strideW: i32,
  padTop: i32,
  padLeft: i32,
  dilationH: i32,
  dilationW: i32,
  outH: i32,
  outW: i32,
  dst: usize,
): void {
  const units = channels * kh;
  const chunks = (units + step - 1) / step;
  for (let i = atomic.add<i32>(counter, 1); i < chunks; i = atomic.add<i32>(counter, 1)) {
    const u0 = i * step;
    im2colRows(
      x,
      height,
      width,
      kh,
      kw,
      strideH,
      strideW,
      padTop,
      padLeft,
      dilationH,
      dilationW,
      outH,
      outW,
      dst,
      u0,
      min(units, u0 + step),
    );
  }
}

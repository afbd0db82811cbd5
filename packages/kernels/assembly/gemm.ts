// Single-precision GEMM for wasm32 + SIMD128: the entry points the host calls (plain and
// with pre-packed weights), matrix-vector products, and im2col for convolutions. The blocked
// product itself is in blocked.ts.
//
// All pointers are byte addresses into linear memory, which the host owns: it copies the
// operands in, and gives each call its own `scratch` region of `scratchBytes()` bytes for
// the packed panels. Calls on disjoint outputs with disjoint scratch may run concurrently
// in several instances sharing one memory (the host's worker threads do exactly that).
// The module has no data segments and no mutable globals, so instantiating it again on a
// shared memory disturbs nothing.
import { im2colRows } from './im2col';
import { blocked, broadcastRows, KC, MR, NR, packA, PACK_A_BYTES, PACK_B_BYTES, TILE_BYTES } from './blocked';

/** Bytes of scratch one sgemm call needs (packed A block, packed B block, edge tile). */
export function scratchBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** First byte the host may use (64-byte aligned); the module itself uses nothing above it. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(63 as usize);
}

/** Microkernel tile rows (the host splits work on MR-row boundaries and sizes packed weights). */
export function tileRows(): i32 {
  return MR;
}

/** Microkernel tile columns. */
export function tileCols(): i32 {
  return NR;
}

/**
 * C (+)= op(A)·op(B). `lda`, `ldb`, `ldc` are row strides in elements of the matrices
 * as stored (so for transA, A is stored k×m and lda ≥ m). Unless accumulating, a nonzero
 * `bias` (address of m floats) starts row i of C at bias[i] instead of zero; it is added
 * to the first depth block's sums as the microkernel stores them, which saves a pass over C
 * and rounds exactly as filling C with the bias and accumulating would.
 */
export function sgemm(
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
  if (m <= 0 || n <= 0) return;
  if (k > 0 && (n == 1 || m == 1)) {
    // Matrix-vector shapes would waste most of a padded MR×NR tile; they are memory-bound
    // anyway, so they get dedicated dot/axpy loops, which have no bias of their own: start C
    // from it and accumulate instead.
    if (bias != 0 && !accumulate) {
      broadcastRows(c, m, n, ldc, bias);
      accumulate = true;
    }
    if (n == 1) {
      // c[i] = Σ_p A(i,p)·b[p]; rows of A are contiguous unless transposed.
      gemv(m, k, a, lda, !transA, b, transB ? 1 : ldb, c, ldc, accumulate);
    } else {
      // c[j] = Σ_p a[p]·B(p,j): the same problem with B playing the matrix role.
      gemv(n, k, b, ldb, transB, a, transA ? lda : 1, c, 1, accumulate);
    }
    return;
  }
  blocked(m, n, k, a, lda, transA, false, 0, b, ldb, transB, c, ldc, accumulate, bias, scratch);
}

/** Floats packWeights writes for an m×k matrix: m rounded up to MR, times k. */
export function packedWeightsLength(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k;
}

/**
 * Packs a whole row-major m×k matrix (row stride lda) the way sgemm packs its A blocks, for
 * operands used in many products (a layer's weights): depth blocks of KC, each holding all
 * MR-row micro-panels ([panel][p][r], the last zero-padded). Block pc (a multiple of KC)
 * starts pc·mPad floats in, mPad = m rounded up to MR, and its panel for rows from r0 (a
 * multiple of MR) another r0·kc floats in.
 */
export function packWeights(m: i32, k: i32, a: usize, lda: i32, dst: usize): void {
  const mPad = ((m + MR - 1) / MR) * MR;
  for (let pc = 0; pc < k; pc += KC) {
    packA(m, min(KC, k - pc), a, lda, false, 0, pc, dst + <usize>pc * <usize>mPad * 4);
  }
}

/**
 * C (+)= A·op(B) with A packed by packWeights (mPad as there): rows [row0, row0 + m) of it,
 * row0 a multiple of MR. Otherwise as sgemm.
 */
export function sgemmPacked(
  m: i32,
  n: i32,
  k: i32,
  packed: usize,
  mPad: i32,
  row0: i32,
  b: usize,
  ldb: i32,
  transB: bool,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  blocked(m, n, k, packed, mPad, false, true, row0, b, ldb, transB, c, ldc, accumulate, bias, scratch);
}

/**
 * y[i·incY] (+)= Σ_p W(i,p)·x[p·incX] for i < rows, p < depth.
 * If `rowMajor`, W(i,p) = w[i·ldw + p] (dot products over contiguous rows); otherwise
 * W(i,p) = w[p·ldw + i] (accumulate scaled contiguous rows, axpy-style).
 */
function gemv(
  rows: i32,
  depth: i32,
  w: usize,
  ldw: i32,
  rowMajor: bool,
  x: usize,
  incX: i32,
  y: usize,
  incY: i32,
  accumulate: bool,
): void {
  const ldwBytes = <usize>ldw * 4;
  const incXBytes = <usize>incX * 4;
  const incYBytes = <usize>incY * 4;
  if (rowMajor) {
    const depth4 = depth & ~3;
    let wr = w;
    let yp = y;
    for (let i = 0; i < rows; i++) {
      let acc = f32x4.splat(0);
      let s: f32 = 0;
      if (incX == 1) {
        for (let p = 0; p < depth4; p += 4) {
          const o = <usize>p * 4;
          acc = f32x4.add(acc, f32x4.mul(v128.load(wr + o), v128.load(x + o)));
        }
        for (let p = depth4; p < depth; p++) s += load<f32>(wr + <usize>p * 4) * load<f32>(x + <usize>p * 4);
      } else {
        for (let p = 0; p < depth; p++) s += load<f32>(wr + <usize>p * 4) * load<f32>(x + <usize>p * incXBytes);
      }
      s += f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      store<f32>(yp, accumulate ? load<f32>(yp) + s : s);
      wr += ldwBytes;
      yp += incYBytes;
    }
  } else {
    // Accumulate into y in place; contiguous y lets the row updates vectorize.
    if (!accumulate) {
      for (let i = 0; i < rows; i++) store<f32>(y + <usize>i * incYBytes, 0);
    }
    const rows4 = incY == 1 ? rows & ~3 : 0;
    let wr = w;
    for (let p = 0; p < depth; p++) {
      const xv = load<f32>(x + <usize>p * incXBytes);
      const xs = f32x4.splat(xv);
      for (let i = 0; i < rows4; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(xs, v128.load(wr + o))));
      }
      for (let i = rows4; i < rows; i++) {
        const yp = y + <usize>i * incYBytes;
        store<f32>(yp, load<f32>(yp) + xv * load<f32>(wr + <usize>i * 4));
      }
      wr += ldwBytes;
    }
  }
}

/**
 * Unfolds one image x[channels][height][width] for a 2-D convolution into the column matrix
 * dst[channels·kh·kw][outH·outW] (row p = (c, ky, kx), column = (oy, ox)), with zeros where
 * the kernel window hangs over the padding. The convolution is then a GEMM of the weights
 * [outChannels][channels·kh·kw] with this matrix.
 */
export function im2col(
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
    0,
    channels * kh,
  );
}

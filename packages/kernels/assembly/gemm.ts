// Single-precision GEMM for wasm32 + SIMD128, in the style of Goto/BLIS:
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n], all row-major with explicit leading dimensions.
//
// The operands are packed into contiguous, zero-padded panels so the microkernel streams
// memory linearly and never needs bounds checks; transposition is absorbed by the packing.
// Loop nest (outer to inner): jc over NC columns, pc over KC depth (pack B block),
// ic over MC rows (pack A block), jr over NR columns, ir over MR rows (microkernel).
// The B micro-panel (KC×NR, 8 KiB) stays in L1 while the ir loop walks the packed A
// block (MC×KC) held in L2.
//
// All pointers are byte addresses into linear memory, which the host owns: it copies the
// operands in, and gives each call its own `scratch` region of `scratchBytes()` bytes for
// the packed panels. Calls on disjoint outputs with disjoint scratch may run concurrently
// in several instances sharing one memory (the host's worker threads do exactly that).
// The module has no data segments and no mutable globals, so instantiating it again on a
// shared memory disturbs nothing.
//
// There is no fused multiply-add: relaxed-simd is still behind a flag in Node 20, so the
// microkernel uses separate f32x4.mul/f32x4.add (each product is rounded to float32 before
// it is added). Every element of C is summed in increasing k order whatever the tiling,
// so results do not depend on how the host splits the work.

// Microkernel tile. 4×8 needs 8 accumulators + 2 B vectors + 1 A splat + 1 product
// temporary = 12 xmm registers, which fits V8's 15 allocatable ones on x64 without spills.
const MR: i32 = 4;
const NR: i32 = 8;
// Cache blocking. KC·NR·4 = 8 KiB B micro-panel (L1), MC·KC·4 = 128 KiB A block (L2).
const KC: i32 = 256;
const MC: i32 = 128; // multiple of MR
const NC: i32 = 2048; // multiple of NR

const PACK_A_BYTES: usize = <usize>(MC * KC * 4);
const PACK_B_BYTES: usize = <usize>(KC * NC * 4);
const TILE_BYTES: usize = <usize>(MR * NR * 4);

/** Bytes of scratch one sgemm call needs (packed A block, packed B block, edge tile). */
export function scratchBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** First byte the host may use (64-byte aligned); the module itself uses nothing above it. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(63 as usize);
}

/**
 * C (+)= op(A)·op(B). `lda`, `ldb`, `ldc` are row strides in elements of the matrices
 * as stored (so for transA, A is stored k×m and lda ≥ m).
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
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, <usize>n * 4);
    return;
  }
  // Matrix-vector shapes would waste most of a padded MR×NR tile; they are memory-bound
  // anyway, so they get dedicated dot/axpy loops.
  if (n == 1) {
    // c[i] = Σ_p A(i,p)·b[p]; rows of A are contiguous unless transposed.
    gemv(m, k, a, lda, !transA, b, transB ? 1 : ldb, c, ldc, accumulate);
    return;
  }
  if (m == 1) {
    // c[j] = Σ_p a[p]·B(p,j): the same problem with B playing the matrix role.
    gemv(n, k, b, ldb, transB, a, transA ? lda : 1, c, 1, accumulate);
    return;
  }

  const packedA = scratch;
  const packedB = packedA + PACK_A_BYTES;
  const tile = packedB + PACK_B_BYTES;
  const ldcBytes = <usize>ldc * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Only the first depth block may overwrite C; later ones add to it.
      const beta = accumulate || pc > 0;
      packB(kc, nc, b, ldb, transB, pc, jc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a, lda, transA, ic, pc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packedA + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            if (mr == MR && nr == NR) {
              kernel(kc, pa, pb, cp, ldcBytes, beta);
            } else {
              // Edge tile: compute the full padded tile into scratch, then merge the valid part.
              kernel(kc, pa, pb, tile, <usize>NR * 4, false);
              mergeTile(tile, mr, nr, cp, ldcBytes, beta);
            }
          }
        }
      }
    }
  }
}

/** MR×NR microkernel over a packed A micro-panel (kc×MR) and B micro-panel (kc×NR). */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, beta: bool): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  const end = pb + <usize>kc * (NR * 4);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    pa += MR * 4;
    pb += NR * 4;
  }
  if (beta) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/** Copies (or adds) the top-left mr×nr corner of the padded tile into C. */
function mergeTile(tile: usize, mr: i32, nr: i32, c: usize, ldc: usize, beta: bool): void {
  for (let i = 0; i < mr; i++) {
    const src = tile + <usize>(i * NR) * 4;
    const dst = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j * 4;
      const v = load<f32>(src + o);
      store<f32>(dst + o, beta ? load<f32>(dst + o) + v : v);
    }
  }
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row micro-panels laid out
 * [panel][p][r], zero-padding the last panel to MR rows.
 */
function packA(mc: i32, kc: i32, a: usize, lda: i32, transA: bool, i0: i32, p0: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    if (!transA) {
      // A(i,p) = a[i·lda + p]: each row is contiguous, scattered into the panel at stride MR.
      for (let r = 0; r < rows; r++) {
        let src = a + (<usize>(i0 + ip + r) * <usize>lda + <usize>p0) * 4;
        let d = dst + <usize>r * 4;
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(src));
          src += 4;
          d += MR * 4;
        }
      }
    } else {
      // A(i,p) = a[p·lda + i]: the MR values for one p are contiguous.
      let src = a + (<usize>p0 * <usize>lda + <usize>(i0 + ip)) * 4;
      const ldaBytes = <usize>lda * 4;
      if (rows == MR && MR == 4) {
        // One v128 moves a whole panel column.
        for (let p = 0; p < kc; p++) {
          v128.store(dst + <usize>(p * MR) * 4, v128.load(src));
          src += ldaBytes;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < rows; r++) store<f32>(dst + <usize>(p * MR + r) * 4, load<f32>(src + <usize>r * 4));
          src += ldaBytes;
        }
      }
    }
    for (let r = rows; r < MR; r++) {
      for (let p = 0; p < kc; p++) store<f32>(dst + <usize>(p * MR + r) * 4, 0);
    }
    dst += <usize>(kc * MR) * 4;
  }
}

/**
 * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column micro-panels laid
 * out [panel][p][c], zero-padding the last panel to NR columns.
 */
function packB(kc: i32, nc: i32, b: usize, ldb: i32, transB: bool, p0: i32, j0: i32, dst: usize): void {
  const ldbBytes = <usize>ldb * 4;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    if (!transB) {
      // B(p,j) = b[p·ldb + j]: NR consecutive values per depth step.
      let src = b + (<usize>p0 * <usize>ldb + <usize>(j0 + jp)) * 4;
      let d = dst;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += ldbBytes;
          d += NR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let j = 0; j < cols; j++) store<f32>(d + <usize>j * 4, load<f32>(src + <usize>j * 4));
          src += ldbBytes;
          d += NR * 4;
        }
      }
    } else {
      // B(p,j) = b[j·ldb + p]: each column of op(B) is contiguous, scattered at stride NR.
      for (let j = 0; j < NR; j++) {
        let d = dst + <usize>j * 4;
        if (j < cols) {
          let src = b + (<usize>(j0 + jp + j) * <usize>ldb + <usize>p0) * 4;
          for (let p = 0; p < kc; p++) {
            store<f32>(d, load<f32>(src));
            src += 4;
            d += NR * 4;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(d, 0);
            d += NR * 4;
          }
        }
      }
    }
    dst += <usize>(kc * NR) * 4;
  }
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
  const rowBytes = <usize>outW * 4;
  for (let c = 0; c < channels; c++) {
    const plane = x + <usize>(c * height * width) * 4;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const ix0 = kx * dilationW - padLeft;
        // Output columns whose input column ox·strideW + ix0 lies inside [0, width).
        const lo = min(outW, ix0 >= 0 ? 0 : (-ix0 + strideW - 1) / strideW);
        const hi = max(lo, min(outW, width - ix0 > 0 ? (width - ix0 + strideW - 1) / strideW : 0));
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= height) {
            memory.fill(dst, 0, rowBytes);
          } else {
            const src = plane + <usize>(iy * width + ix0) * 4;
            if (lo > 0) memory.fill(dst, 0, <usize>lo * 4);
            if (strideW == 1) {
              memory.copy(dst + <usize>lo * 4, src + <usize>lo * 4, <usize>(hi - lo) * 4);
            } else {
              for (let ox = lo; ox < hi; ox++) {
                store<f32>(dst + <usize>ox * 4, load<f32>(src + <usize>(ox * strideW) * 4));
              }
            }
            if (hi < outW) memory.fill(dst + <usize>hi * 4, 0, <usize>(outW - hi) * 4);
          }
          dst += rowBytes;
        }
      }
    }
  }
}

/** Sets every element of row i of the rows×cols matrix at y to bias[i]. */
export function broadcastRows(y: usize, rows: i32, cols: i32, bias: usize): void {
  const cols4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const v = load<f32>(bias + <usize>i * 4);
    const vv = f32x4.splat(v);
    for (let j = 0; j < cols4; j += 4) v128.store(y + <usize>j * 4, vv);
    for (let j = cols4; j < cols; j++) store<f32>(y + <usize>j * 4, v);
    y += <usize>cols * 4;
  }
}

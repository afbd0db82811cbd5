// The blocked single-precision GEMM behind assembly/gemm.ts, in the style of Goto/BLIS:
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n], all row-major with explicit leading dimensions.
//
// The operands are packed into contiguous, zero-padded panels so the microkernel streams
// memory linearly and never needs bounds checks; transposition is absorbed by the packing.
// Loop nest (outer to inner): jc over NC columns, pc over KC depth (pack B block),
// ic over MC rows (pack A block), jr over NR columns, ir over MR rows (microkernel).
// The B micro-panel (KC×NR, 8 KiB) stays in L1 while the ir loop walks the packed A
// block (MC×KC) held in L2.
//
// There is no fused multiply-add: relaxed-simd is still behind a flag in Node 20, so the
// microkernel uses separate f32x4.mul/f32x4.add (each product is rounded to float32 before
// it is added). Every element of C is summed in increasing k order whatever the tiling,
// so results do not depend on how the host splits the work.

// Microkernel tile. 4×8 needs 8 accumulators + 2 B vectors + 1 A splat + 1 product
// temporary = 12 xmm registers, which fits V8's 15 allocatable ones on x64 without spills.
export const MR: i32 = 4;
export const NR: i32 = 8;
// Cache blocking. KC·NR·4 = 8 KiB B micro-panel (L1), MC·KC·4 = 128 KiB A block (L2).
export const KC: i32 = 256;
const MC: i32 = 128; // multiple of MR
const NC: i32 = 2048; // multiple of NR

export const PACK_A_BYTES: usize = <usize>(MC * KC * 4);
export const PACK_B_BYTES: usize = <usize>(KC * NC * 4);
export const TILE_BYTES: usize = <usize>(MR * NR * 4);

/**
 * The blocked product behind sgemm and sgemmPacked. With `prepacked`, `a` is packWeights'
 * output (`lda` its mPad) and `row0` the first of its rows to use; otherwise op(A) is packed
 * block by block into scratch.
 */
export function blocked(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  transA: bool,
  prepacked: bool,
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
  if (k <= 0) {
    if (accumulate) return;
    if (bias != 0) broadcastRows(c, m, n, ldc, bias);
    else for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, <usize>n * 4);
    return;
  }
  const packedB = scratch + PACK_A_BYTES;
  const tile = packedB + PACK_B_BYTES;
  const ldcBytes = <usize>ldc * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Only the first depth block may overwrite C (or start it from the bias); later ones add to it.
      const beta = accumulate || pc > 0;
      const rowBias: usize = beta ? 0 : bias;
      packB(kc, nc, b, ldb, transB, pc, jc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        let packedA = scratch;
        if (prepacked) packedA = a + (<usize>pc * <usize>lda + <usize>(row0 + ic) * <usize>kc) * 4;
        else packA(mc, kc, a, lda, transA, ic, pc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packedA + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            const bp: usize = rowBias == 0 ? 0 : rowBias + <usize>(ic + ir) * 4;
            if (mr == MR && nr == NR) {
              kernel(kc, pa, pb, cp, ldcBytes, beta, bp);
            } else {
              // Edge tile: compute the full padded tile into scratch, then merge the valid part.
              kernel(kc, pa, pb, tile, <usize>NR * 4, false, 0);
              mergeTile(tile, mr, nr, cp, ldcBytes, beta, bp);
            }
          }
        }
      }
    }
  }
}

/**
 * MR×NR microkernel over a packed A micro-panel (kc×MR) and B micro-panel (kc×NR). The sums
 * are added to C when `beta`, else to bias[0..MR) (one per row) when `bias` is nonzero.
 */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, beta: bool, bias: usize): void {
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
  } else if (bias != 0) {
    let bv = v128.load32_splat(bias);
    c00 = f32x4.add(c00, bv);
    c01 = f32x4.add(c01, bv);
    bv = v128.load32_splat(bias, 4);
    c10 = f32x4.add(c10, bv);
    c11 = f32x4.add(c11, bv);
    bv = v128.load32_splat(bias, 8);
    c20 = f32x4.add(c20, bv);
    c21 = f32x4.add(c21, bv);
    bv = v128.load32_splat(bias, 12);
    c30 = f32x4.add(c30, bv);
    c31 = f32x4.add(c31, bv);
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

/**
 * Copies the top-left mr×nr corner of the padded tile into C, added to C when `beta`, else
 * to bias[i] when `bias` is nonzero.
 */
function mergeTile(tile: usize, mr: i32, nr: i32, c: usize, ldc: usize, beta: bool, bias: usize): void {
  for (let i = 0; i < mr; i++) {
    const src = tile + <usize>(i * NR) * 4;
    const dst = c + <usize>i * ldc;
    const b: f32 = bias == 0 ? 0 : load<f32>(bias + <usize>i * 4);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j * 4;
      const v = load<f32>(src + o);
      store<f32>(dst + o, beta ? load<f32>(dst + o) + v : bias != 0 ? v + b : v);
    }
  }
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row micro-panels laid out
 * [panel][p][r], zero-padding the last panel to MR rows.
 */
export function packA(mc: i32, kc: i32, a: usize, lda: i32, transA: bool, i0: i32, p0: i32, dst: usize): void {
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

/** Sets every element of row i of the rows×cols matrix at y (row stride ldy) to bias[i]. */
export function broadcastRows(y: usize, rows: i32, cols: i32, ldy: i32, bias: usize): void {
  const cols4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const v = load<f32>(bias + <usize>i * 4);
    const vv = f32x4.splat(v);
    for (let j = 0; j < cols4; j += 4) v128.store(y + <usize>j * 4, vv);
    for (let j = cols4; j < cols; j++) store<f32>(y + <usize>j * 4, v);
    y += <usize>ldy * 4;
  }
}

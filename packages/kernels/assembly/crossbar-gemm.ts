// The exact integer product of a crossbar layer: acc[m][t] += Σ_k w[k][m] · x[k][t] over a block
// of positions t, with int16 operands (the int8 weights or the values the cells store, the 8-bit
// input codes) and int32 accumulators that wrap like the chip's accumulator register.
//
// i32x4.dot_i16x8_s multiplies eight int16 lanes pairwise and adds neighbours: with the weights of
// rows (2kk, 2kk+1) of one channel splatted across the lanes and the inputs of four positions laid
// out as (x[2kk][t], x[2kk+1][t]) pairs, one instruction does eight multiply-adds for four
// positions. Integer sums are exact in any order, so the blocking does not change a bit.
import { MR, NR } from './crossbar-layout';

/**
 * acc (+)= W·X for one block: `w` holds the group's weight panels (mPad/MR panels of kPairs × MR
 * pairs), `x` the block's position panels (panels × kPairs × NR pairs), `acc` rows of `ldc` bytes.
 */
export function gemmBlock(kPairs: i32, mPad: i32, panels: i32, w: usize, x: usize, acc: usize, ldc: usize): void {
  const wPanel = <usize>kPairs * (MR * 4);
  const xPanel = <usize>kPairs * (NR * 4);
  for (let mp = 0; mp < mPad; mp += MR) {
    const wp = w + (<usize>mp / MR) * wPanel;
    const row = acc + <usize>mp * ldc;
    for (let q = 0; q < panels; q++) {
      microkernel(kPairs, wp, x + <usize>q * xPanel, row + <usize>q * (NR * 4), ldc);
    }
  }
}

/**
 * MR×NR tile, c[r][t] += Σ_kr w pair · x pair (rows `ldc` bytes apart): 8 accumulators, 2 input
 * vectors and a weight splat stay in registers. Shared by the exact product and the speculative
 * slice sums (crossbar-spec.ts).
 */
export function microkernel(kPairs: i32, wp: usize, xp: usize, c: usize, ldc: usize): void {
  let c00 = i32x4.splat(0),
    c01 = i32x4.splat(0);
  let c10 = i32x4.splat(0),
    c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0),
    c21 = i32x4.splat(0);
  let c30 = i32x4.splat(0),
    c31 = i32x4.splat(0);
  const end = xp + <usize>kPairs * (NR * 4);
  while (xp < end) {
    const b0 = v128.load(xp);
    const b1 = v128.load(xp, 16);
    let a = v128.load32_splat(wp);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a, b0));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(wp, 4);
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a, b0));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(wp, 8);
    c20 = i32x4.add(c20, i32x4.dot_i16x8_s(a, b0));
    c21 = i32x4.add(c21, i32x4.dot_i16x8_s(a, b1));
    a = v128.load32_splat(wp, 12);
    c30 = i32x4.add(c30, i32x4.dot_i16x8_s(a, b0));
    c31 = i32x4.add(c31, i32x4.dot_i16x8_s(a, b1));
    xp += NR * 4;
    wp += MR * 4;
  }
  v128.store(c, i32x4.add(v128.load(c), c00));
  v128.store(c, i32x4.add(v128.load(c, 16), c01), 16);
  c += ldc;
  v128.store(c, i32x4.add(v128.load(c), c10));
  v128.store(c, i32x4.add(v128.load(c, 16), c11), 16);
  c += ldc;
  v128.store(c, i32x4.add(v128.load(c), c20));
  v128.store(c, i32x4.add(v128.load(c, 16), c21), 16);
  c += ldc;
  v128.store(c, i32x4.add(v128.load(c), c30));
  v128.store(c, i32x4.add(v128.load(c, 16), c31), 16);
}

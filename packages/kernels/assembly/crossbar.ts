// A crossbar layer (crossbar-mvm) of a bit-accurate PIM simulation, over a batch: for each block of
// output positions and each group, im2col (crossbar-im2col.ts), the exact integer product of the
// inputs with the weights the cells store (crossbar-gemm.ts), the corrections for column sums the
// ADC clips (crossbar-adc.ts) or, under speculation, for the failed columns' recoveries
// (crossbar-spec.ts), then requantization to 8-bit codes.
//
// Why it is exact: with an ADC that passes a column sum unchanged (lsb 1, no noise, the sum in
// range), shift-adding the slices' column sums gives Σ_k x_k · stored_k, so the simulation is the
// integer product plus, for every conversion that clips, (clipped − exact) at its place value.
// The accumulator register is 32 bits and wraps, and every step here wraps the same way, so the
// result is the same integer modulo 2^32 whatever the order of the additions.
//
// Several threads may run crossbarBlocks on one layer at once: they claim blocks from a shared
// counter and write disjoint outputs; each has its own scratch (and statistics).
export { packCellPlanes } from './crossbar-planes';
import { adcBlock } from './crossbar-adc';
import { gemmBlock } from './crossbar-gemm';
import { im2colBlock } from './crossbar-im2col';
import { specBlock } from './crossbar-spec';
import {
  D_BLOCK,
  D_CLAMP_MAX,
  D_CLAMP_MIN,
  D_GROUP_M,
  D_GROUPS,
  D_INIT,
  D_K_PAIRS,
  D_M_PAD,
  D_MULTIPLIER,
  D_OUT_M,
  D_OUT_P,
  D_OUT_Q,
  D_OUTPUT_ZERO_POINT,
  D_SCRATCH_ACC,
  D_SCRATCH_LANES,
  D_SCRATCH_X,
  D_SHIFT,
  D_SIGNED_OUTPUT,
  D_SPEC_SLICES,
  D_WEIGHTS,
  NR,
} from './crossbar-layout';

function field(d: usize, f: i32): i32 {
  return load<i32>(d + ((<usize>f) << 2));
}

/**
 * Runs blocks of D_BLOCK positions of the layer described at `d` (crossbar-layout.ts) over the
 * `total` output positions of the batch (image-major), claiming block numbers from the i32 at
 * `counter`, until none are left: input codes at `x` ([N, C, H, W] bytes), output codes to `out`
 * ([N, M, P, Q] bytes), scratch and statistics at `scratch`.
 */
export function crossbarBlocks(counter: usize, d: usize, x: usize, out: usize, total: i32, scratch: usize): void {
  const block = field(d, D_BLOCK);
  const blocks = (total + block - 1) / block;
  for (let i = atomic.add<i32>(counter, 1); i < blocks; i = atomic.add<i32>(counter, 1)) {
    const t0 = i * block;
    runBlock(d, x, out, t0, min(total, t0 + block) - t0, scratch);
  }
}

function runBlock(d: usize, x: usize, out: usize, t0: i32, count: i32, scratch: usize): void {
  const groups = field(d, D_GROUPS);
  const kPairs = field(d, D_K_PAIRS);
  const mPad = field(d, D_M_PAD);
  const block = field(d, D_BLOCK);
  const panels = (count + NR - 1) / NR;
  const xs = scratch + <usize>field(d, D_SCRATCH_X);
  const acc = scratch + <usize>field(d, D_SCRATCH_ACC);
  const lanes = scratch + <usize>field(d, D_SCRATCH_LANES);
  const ldc = (<usize>block) << 2;
  const groupWeights = <usize>mPad * <usize>kPairs * 4;
  for (let g = 0; g < groups; g++) {
    im2colBlock(d, x, g, t0, count, xs, lanes);
    startAccumulators(d, g, panels, acc, ldc);
    gemmBlock(kPairs, mPad, panels, <usize>field(d, D_WEIGHTS) + <usize>g * groupWeights, xs, acc, ldc);
    if (field(d, D_SPEC_SLICES) > 0) specBlock(d, g, count, xs, acc, ldc, scratch);
    else adcBlock(d, g, count, xs, acc, ldc, scratch);
    requantize(d, g, t0, count, acc, ldc, out);
  }
}

/** Row m of the accumulators starts at the channel's init value (bias − zp·Σw). */
function startAccumulators(d: usize, g: i32, panels: i32, acc: usize, ldc: usize): void {
  const groupM = field(d, D_GROUP_M);
  const init = <usize>field(d, D_INIT) + ((<usize>(g * groupM)) << 2);
  const mPad = field(d, D_M_PAD);
  const vectors = panels * (NR / 4);
  for (let m = 0; m < mPad; m++) {
    const v = i32x4.splat(m < groupM ? load<i32>(init + ((<usize>m) << 2)) : 0);
    const row = acc + <usize>m * ldc;
    for (let i = 0; i < vectors; i++) v128.store(row + ((<usize>i) << 4), v);
  }
}

/**
 * y = clamp(outZp + ((v·mult + 2^(shift−1)) >> shift)) in 64-bit integers (exact: |v| < 2^31,
 * mult < 2^24), stored to out[n][m][p] for the block's positions t = n·P + p: per channel, one
 * run of consecutive positions per image the block touches.
 */
function requantize(d: usize, g: i32, t0: i32, count: i32, acc: usize, ldc: usize, out: usize): void {
  const groupM = field(d, D_GROUP_M);
  const outM = field(d, D_OUT_M);
  const positions = field(d, D_OUT_P) * field(d, D_OUT_Q);
  const zp = field(d, D_OUTPUT_ZERO_POINT);
  const lo = field(d, D_CLAMP_MIN);
  const hi = field(d, D_CLAMP_MAX);
  const signed = field(d, D_SIGNED_OUTPUT) != 0;
  const multipliers = <usize>field(d, D_MULTIPLIER);
  const shifts = <usize>field(d, D_SHIFT);
  const n0 = t0 / positions;
  const p0 = t0 - n0 * positions;
  for (let m = 0; m < groupM; m++) {
    const channel = g * groupM + m;
    const mult = load<i32>(multipliers + ((<usize>channel) << 2));
    const shift = load<i32>(shifts + ((<usize>channel) << 2));
    const row = acc + <usize>m * ldc;
    let n = n0;
    let p = p0;
    for (let i = 0; i < count;) {
      const run = min(count - i, positions - p);
      const dst = out + (<usize>n * <usize>outM + <usize>channel) * <usize>positions + <usize>p;
      requantizeRun(row + ((<usize>i) << 2), run, dst, mult, shift, zp, lo, hi, signed);
      i += run;
      n++;
      p = 0;
    }
  }
}

/** `count` accumulators from `src` to codes at `dst`, 16 at a time on SIMD lanes, then one by one. */
function requantizeRun(src: usize, count: i32, dst: usize, mult: i32, shift: i32, zp: i32, lo: i32, hi: i32, signed: bool): void {
  const half: i64 = shift == 0 ? 0 : (<i64>1) << (shift - 1);
  // Clamp before adding the zero point, in 64 bits: (prod + half) >> shift lies in [lo − zp, hi − zp].
  const low = <i64>lo - <i64>zp;
  const high = <i64>hi - <i64>zp;
  const multV = i32x4.splat(mult);
  const halfV = i64x2.splat(half);
  const lowV = i64x2.splat(low);
  const highV = i64x2.splat(high);
  const zpV = i32x4.splat(zp);
  const count16 = count & ~15;
  for (let i = 0; i < count16; i += 16) {
    const at = src + ((<usize>i) << 2);
    const a = scale4(v128.load(at), multV, halfV, shift, lowV, highV, zpV);
    const b = scale4(v128.load(at, 16), multV, halfV, shift, lowV, highV, zpV);
    const c = scale4(v128.load(at, 32), multV, halfV, shift, lowV, highV, zpV);
    const e = scale4(v128.load(at, 48), multV, halfV, shift, lowV, highV, zpV);
    const ab = i16x8.narrow_i32x4_s(a, b);
    const ce = i16x8.narrow_i32x4_s(c, e);
    v128.store(dst + <usize>i, signed ? i8x16.narrow_i16x8_s(ab, ce) : i8x16.narrow_i16x8_u(ab, ce));
  }
  for (let i = count16; i < count; i++) {
    const v = <i64>load<i32>(src + ((<usize>i) << 2));
    let y = (v * <i64>mult + half) >> shift;
    y = y < low ? low : y > high ? high : y;
    const code = <i32>y + zp;
    if (signed) store<i8>(dst + <usize>i, <i8>code);
    else store<u8>(dst + <usize>i, <u8>code);
  }
}

/** Four accumulators: ((v·mult + half) >> shift) clamped to [low, high] in 64 bits, plus zp, as i32x4. */
function scale4(v: v128, multV: v128, halfV: v128, shift: i32, lowV: v128, highV: v128, zpV: v128): v128 {
  let a = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(v, multV), halfV), shift);
  let b = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(v, multV), halfV), shift);
  a = v128.bitselect(lowV, a, i64x2.lt_s(a, lowV));
  a = v128.bitselect(highV, a, i64x2.gt_s(a, highV));
  b = v128.bitselect(lowV, b, i64x2.lt_s(b, lowV));
  b = v128.bitselect(highV, b, i64x2.gt_s(b, highV));
  return i32x4.add(i32x4.shuffle(a, b, 0, 2, 4, 6), zpV);
}

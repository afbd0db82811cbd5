// im2col of a block of output positions into the panels crossbar-gemm.ts multiplies: for each
// panel of NR consecutive positions t (t = (n·P + oy)·Q + ox over the batch), for each pair of
// rows (2kk, 2kk+1) of the group's K (k = (c·R + r)·S + s), the NR (x[2kk][t], x[2kk+1][t])
// int16 pairs. A tap in the padding reads the zero point; rows past K and positions past the
// block read 0 (they multiply zero weights or are never stored).
import {
  D_DILATION_H,
  D_DILATION_W,
  D_GROUP_C,
  D_IN_C,
  D_IN_H,
  D_IN_W,
  D_K_PAIRS,
  D_KERNEL_H,
  D_KERNEL_W,
  D_OUT_P,
  D_OUT_Q,
  D_PAD_LEFT,
  D_PAD_TOP,
  D_SIGNED_INPUT,
  D_STRIDE_H,
  D_STRIDE_W,
  D_ZERO_POINT,
  NR,
} from './crossbar-layout';

/** Lane table entry (i32 words): plane of the group's first channel, first input row, first input column. */
const LANE_WORDS: i32 = 4;

function field(d: usize, f: i32): i32 {
  return load<i32>(d + ((<usize>f) << 2));
}

/** Writes the panels of positions [t0, t0 + count) of group `g` of the input `x` to `dst`. */
export function im2colBlock(d: usize, x: usize, g: i32, t0: i32, count: i32, dst: usize, lanes: usize): void {
  const outQ = field(d, D_OUT_Q);
  const positions = field(d, D_OUT_P) * outQ;
  const kPairs = field(d, D_K_PAIRS);
  const panels = (count + NR - 1) / NR;
  // A 1×1 window with stride 1 and no padding reads position p of every input plane.
  const pointwise =
    field(d, D_KERNEL_H) == 1 &&
    field(d, D_KERNEL_W) == 1 &&
    field(d, D_STRIDE_H) == 1 &&
    field(d, D_STRIDE_W) == 1 &&
    field(d, D_PAD_TOP) == 0 &&
    field(d, D_PAD_LEFT) == 0 &&
    field(d, D_IN_H) == field(d, D_OUT_P) &&
    field(d, D_IN_W) == outQ;
  for (let q = 0; q < panels; q++) {
    const t = t0 + q * NR;
    const n = t / positions;
    const p = t - n * positions;
    const oy = p / outQ;
    const ox = p - oy * outQ;
    const panel = dst + <usize>q * <usize>kPairs * (NR * 4);
    const full = q * NR + NR <= count;
    if (pointwise && full && p + NR <= positions) panelPointwise(d, x, g, n, p, panel);
    else if (full && ox + NR <= outQ) panelInRow(d, x, g, n, oy, ox, panel);
    else panelByLane(d, x, g, t, min(NR, count - q * NR), panel, lanes);
  }
}

/** NR consecutive positions of one image under a pointwise window: row k is input plane k at p. */
function panelPointwise(d: usize, x: usize, g: i32, n: i32, p: i32, panel: usize): void {
  const channels = field(d, D_GROUP_C);
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const plane = <usize>field(d, D_IN_H) * <usize>field(d, D_IN_W);
  let src = x + (<usize>n * <usize>field(d, D_IN_C) + <usize>g * <usize>channels) * plane + <usize>p;
  const pairs = channels >> 1;
  for (let kk = 0; kk < pairs; kk++) {
    const a = signed ? v128.load8x8_s(src) : v128.load8x8_u(src);
    const b = signed ? v128.load8x8_s(src + plane) : v128.load8x8_u(src + plane);
    storePair(panel + ((<usize>kk) << 5), a, b);
    src += plane << 1;
  }
  if ((channels & 1) != 0) {
    const a = signed ? v128.load8x8_s(src) : v128.load8x8_u(src);
    storePair(panel + ((<usize>pairs) << 5), a, i16x8.splat(0));
  }
}

/** NR positions on one output row of one image: each row of K is a (strided) run of one input row. */
function panelInRow(d: usize, x: usize, g: i32, n: i32, oy: i32, ox: i32, panel: usize): void {
  const height = field(d, D_IN_H);
  const width = field(d, D_IN_W);
  const channels = field(d, D_GROUP_C);
  const kh = field(d, D_KERNEL_H);
  const kw = field(d, D_KERNEL_W);
  const sh = field(d, D_STRIDE_H);
  const sw = field(d, D_STRIDE_W);
  const dh = field(d, D_DILATION_H);
  const dw = field(d, D_DILATION_W);
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const zp = field(d, D_ZERO_POINT);
  const zpv = i16x8.splat(<i16>zp);
  const plane = <usize>height * <usize>width;
  let src = x + (<usize>n * <usize>field(d, D_IN_C) + <usize>g * <usize>channels) * plane;
  const iy0 = oy * sh - field(d, D_PAD_TOP);
  const ix0 = ox * sw - field(d, D_PAD_LEFT);
  let k = 0;
  let even = i16x8.splat(0);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < kh; r++) {
      const iy = iy0 + r * dh;
      const rowOk = iy >= 0 && iy < height;
      const row = src + (rowOk ? <usize>iy : 0) * <usize>width;
      for (let s = 0; s < kw; s++) {
        const ix = ix0 + s * dw;
        let v: v128;
        if (!rowOk) {
          v = zpv;
        } else if (sw == 1 && ix >= 0 && ix + NR <= width) {
          v = signed ? v128.load8x8_s(row + <usize>ix) : v128.load8x8_u(row + <usize>ix);
        } else if (sw == 2 && ix >= 0 && ix + 2 * NR - 1 <= width) {
          // 15 bytes from ix; the 16th byte read is past the run (the host pads the input).
          const bytes = v128.load(row + <usize>ix);
          const raw = i8x16.shuffle(bytes, bytes, 0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
          v = signed ? i16x8.extend_low_i8x16_s(raw) : i16x8.extend_low_i8x16_u(raw);
        } else {
          v = rowByLane(row, ix, sw, width, zp, signed);
        }
        if ((k & 1) == 0) even = v;
        else storePair(panel + ((<usize>(k >> 1)) << 5), even, v);
        k++;
      }
    }
    src += plane;
  }
  if ((k & 1) != 0) storePair(panel + ((<usize>(k >> 1)) << 5), even, i16x8.splat(0));
}

/** Lane i: the input at column ix + i·sw of `row`, or the zero point outside [0, width). */
function rowByLane(row: usize, ix: i32, sw: i32, width: i32, zp: i32, signed: bool): v128 {
  let v = i16x8.splat(<i16>zp);
  for (let i = 0; i < NR; i++) {
    const col = ix + i * sw;
    if (col >= 0 && col < width) {
      const value: i32 = signed ? <i32>load<i8>(row + <usize>col) : <i32>load<u8>(row + <usize>col);
      v = replaceLane(v, i, value);
    }
  }
  return v;
}

/** Positions anywhere (across rows and images), `valid` of them real: each lane on its own. */
function panelByLane(d: usize, x: usize, g: i32, t: i32, valid: i32, panel: usize, lanes: usize): void {
  const height = field(d, D_IN_H);
  const width = field(d, D_IN_W);
  const channels = field(d, D_GROUP_C);
  const kh = field(d, D_KERNEL_H);
  const kw = field(d, D_KERNEL_W);
  const dh = field(d, D_DILATION_H);
  const dw = field(d, D_DILATION_W);
  const outQ = field(d, D_OUT_Q);
  const positions = field(d, D_OUT_P) * outQ;
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const zp = field(d, D_ZERO_POINT);
  const plane = <usize>height * <usize>width;
  for (let i = 0; i < valid; i++) {
    const ti = t + i;
    const n = ti / positions;
    const p = ti - n * positions;
    const oy = p / outQ;
    const ox = p - oy * outQ;
    const entry = lanes + ((<usize>i * LANE_WORDS) << 2);
    store<i32>(entry, <i32>(x + (<usize>n * <usize>field(d, D_IN_C) + <usize>g * <usize>channels) * plane));
    store<i32>(entry, oy * field(d, D_STRIDE_H) - field(d, D_PAD_TOP), 4);
    store<i32>(entry, ox * field(d, D_STRIDE_W) - field(d, D_PAD_LEFT), 8);
  }
  let k = 0;
  let even = i16x8.splat(0);
  for (let c = 0; c < channels; c++) {
    const channel = <usize>c * plane;
    for (let r = 0; r < kh; r++) {
      for (let s = 0; s < kw; s++) {
        let v = i16x8.splat(0);
        for (let i = 0; i < valid; i++) {
          const entry = lanes + ((<usize>i * LANE_WORDS) << 2);
          const iy = load<i32>(entry, 4) + r * dh;
          const ix = load<i32>(entry, 8) + s * dw;
          let value = zp;
          if (iy >= 0 && iy < height && ix >= 0 && ix < width) {
            const at = <usize>load<i32>(entry) + channel + <usize>iy * <usize>width + <usize>ix;
            value = signed ? <i32>load<i8>(at) : <i32>load<u8>(at);
          }
          v = replaceLane(v, i, value);
        }
        if ((k & 1) == 0) even = v;
        else storePair(panel + ((<usize>(k >> 1)) << 5), even, v);
        k++;
      }
    }
  }
  if ((k & 1) != 0) storePair(panel + ((<usize>(k >> 1)) << 5), even, i16x8.splat(0));
}

/** Stores rows a (even k) and b (odd k) of NR positions as NR (a, b) pairs. */
function storePair(at: usize, a: v128, b: v128): void {
  v128.store(at, i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(at, i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
}

/** i16x8.replace_lane takes a constant lane index. */
function replaceLane(v: v128, i: i32, value: i32): v128 {
  switch (i) {
    case 0:
      return i16x8.replace_lane(v, 0, <i16>value);
    case 1:
      return i16x8.replace_lane(v, 1, <i16>value);
    case 2:
      return i16x8.replace_lane(v, 2, <i16>value);
    case 3:
      return i16x8.replace_lane(v, 3, <i16>value);
    case 4:
      return i16x8.replace_lane(v, 4, <i16>value);
    case 5:
      return i16x8.replace_lane(v, 5, <i16>value);
    case 6:
      return i16x8.replace_lane(v, 6, <i16>value);
    default:
      return i16x8.replace_lane(v, 7, <i16>value);
  }
}

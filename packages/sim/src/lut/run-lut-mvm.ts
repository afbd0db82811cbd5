import type { LutSums } from '@pimc/kernels';
import { programError } from '../program-error.js';
import type { PreparedLut } from './prepare-lut.js';

/** A lut-mvm's WebAssembly sums and, per group, the first channel of each of its channel classes. */
export interface LutKernel {
  readonly sums: LutSums;
  readonly firsts: readonly Int32Array[];
}

/** im2col bytes of one position block kept together (fits a core's L2 with the tables beside it). */
const BLOCK_BYTES = 1 << 17;

/**
 * Runs a lut-mvm on `batch` images of input indices [N, C, H, W] (algorithms.md §2.3): for every
 * output channel m and position p, `acc = bias[m] + Σ_k lut[table(m)][iW[m][k]][x_k]` over the
 * im2col taps of p inside the input (a padding tap reads the zero column of the extended table:
 * it adds nothing, exactly as skipping it). The sum is exact: at most 2^21 int32 terms, below 2^53.
 * With an activation the result is the CAM's cluster index of the rounded, shifted accumulator;
 * without, `f32(acc · lutScale)`.
 *
 * The inner loop is a gather: four positions at a time share each row offset, their four input
 * indices packed in one 32-bit word per im2col row (two words of 16-bit lanes when kU = 256, whose
 * padding index 256 needs nine bits), so a lookup costs little more than its table read. Channels
 * with the same table and weight-index row have the same sums: each such row is summed once.
 * `kernel`, when given, is the layer's WebAssembly sums (@pimc/kernels' LutSums: the same sums bit
 * for bit, on several threads), run instead of the loops below.
 */
export function runLutMvm(p: PreparedLut, x: Uint8Array, batch: number, kernel?: LutKernel): Uint8Array | Float32Array {
  checkIndices(p, x);
  const positions = p.outP * p.outQ;
  const quads = Math.ceil(positions / 4);
  const depth = p.depth;
  const wide = p.kU > 0xff;
  const wordsPerQuad = wide ? 2 : 1;
  const total = batch * p.outM * positions;
  const out = p.activation === undefined ? new Float32Array(total) : new Uint8Array(total);
  const columns = new Int32Array(quads * depth * wordsPerQuad);
  const acc = new Float64Array(quads * 4);
  const quadsPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / (4 * wordsPerQuad * depth)));
  const groups = p.instruction.geometry.groups;
  for (let n = 0; n < batch; n++) {
    for (let group = 0; group < groups; group++) {
      im2col(p, x, n, group, columns, wide);
      const classes = p.rowClasses[group]!;
      if (kernel !== undefined) {
        const all = kernel.sums.run(columns, quads, wide, kernel.firsts[group]!);
        classes.forEach((channels, c) => {
          const acc = all.subarray(c * quads * 4, (c + 1) * quads * 4);
          for (const m of channels) finish(p, m, acc, 0, positions, out, (n * p.outM + m) * positions);
        });
        continue;
      }
      for (let q0 = 0; q0 < quads; q0 += quadsPerBlock) {
        const q1 = Math.min(quads, q0 + quadsPerBlock);
        for (const channels of classes) {
          if (wide) accumulateWide(p, channels[0]!, columns, q0, q1, acc);
          else accumulate(p, channels[0]!, columns, q0, q1, acc);
          for (const m of channels) finish(p, m, acc, q0 * 4, Math.min(positions, q1 * 4), out, (n * p.outM + m) * positions);
        }
      }
    }
  }
  return out;
}

/**
 * The input indices of one image and group in im2col order, four positions per quad: narrow, word
 * `quad · K + k` holds row k of positions 4·quad … 4·quad + 3 in its bytes, low byte first; wide,
 * words `2·(quad · K + k)` and the next hold them in 16-bit halves (built with shifts, so the layout
 * does not depend on the host's byte order). Padding taps and the positions past the end hold kU,
 * the index of the tables' zero column.
 */
function im2col(p: PreparedLut, x: Uint8Array, n: number, group: number, columns: Int32Array, wide: boolean): void {
  const g = p.instruction.geometry;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const [top, left] = g.pads;
  const { inH, inW, outP, outQ, depth, kU } = p;
  columns.fill(wide ? kU * 0x10001 : kU * 0x01010101);
  const laneBits = wide ? 16 : 8;
  const laneMask = wide ? 0xffff : 0xff;
  const plane = inH * inW;
  const imageBase = (n * p.inC + group * p.groupChannels) * plane;
  for (let c = 0; c < p.groupChannels; c++) {
    for (let r = 0; r < kh; r++) {
      for (let s = 0; s < kw; s++) {
        const k = (c * kh + r) * kw + s;
        let pos = 0;
        for (let oy = 0; oy < outP; oy++) {
          const iy = oy * sh - top + r * dh;
          const rowInside = iy >= 0 && iy < inH;
          const rowBase = imageBase + c * plane + iy * inW;
          for (let ox = 0; ox < outQ; ox++, pos++) {
            const ix = ox * sw - left + s * dw;
            if (!rowInside || ix < 0 || ix >= inW) continue;
            const lane = wide ? pos & 1 : pos & 3;
            const word = wide ? 2 * ((pos >>> 2) * depth + k) + ((pos >>> 1) & 1) : (pos >>> 2) * depth + k;
            const shift = lane * laneBits;
            columns[word] = (columns[word]! & ~(laneMask << shift)) | (x[rowBase + ix]! << shift);
          }
        }
      }
    }
  }
}

/** acc[4·quad + t] = Σ_k table[rowBase[m][k] + index of position 4·quad + t, row k], quads [q0, q1). */
function accumulate(p: PreparedLut, m: number, columns: Int32Array, q0: number, q1: number, acc: Float64Array): void {
  const table = p.table;
  const rowBase = p.rowBase;
  const depth = p.depth;
  const rows = m * depth;
  for (let quad = q0; quad < q1; quad++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    const words = quad * depth;
    for (let k = 0; k < depth; k++) {
      const row = rowBase[rows + k]!;
      const v = columns[words + k]!;
      a0 += table[row + (v & 0xff)]!;
      a1 += table[row + ((v >> 8) & 0xff)]!;
      a2 += table[row + ((v >> 16) & 0xff)]!;
      a3 += table[row + ((v >> 24) & 0xff)]!;
    }
    const at = quad * 4;
    acc[at] = a0;
    acc[at + 1] = a1;
    acc[at + 2] = a2;
    acc[at + 3] = a3;
  }
}

/** `accumulate` for 16-bit lanes (kU = 256). */
function accumulateWide(p: PreparedLut, m: number, columns: Int32Array, q0: number, q1: number, acc: Float64Array): void {
  const table = p.table;
  const rowBase = p.rowBase;
  const depth = p.depth;
  const rows = m * depth;
  for (let quad = q0; quad < q1; quad++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    const words = 2 * quad * depth;
    for (let k = 0; k < depth; k++) {
      const row = rowBase[rows + k]!;
      const v = columns[words + 2 * k]!;
      const u = columns[words + 2 * k + 1]!;
      a0 += table[row + (v & 0xffff)]!;
      a1 += table[row + ((v >> 16) & 0xffff)]!;
      a2 += table[row + (u & 0xffff)]!;
      a3 += table[row + ((u >> 16) & 0xffff)]!;
    }
    const at = quad * 4;
    acc[at] = a0;
    acc[at + 1] = a1;
    acc[at + 2] = a2;
    acc[at + 3] = a3;
  }
}

/**
 * Positions [from, to) of channel m from the sums of its row: bias added, then the activation
 * CAM's index of the rounded, shifted accumulator, or the f32 pre-activation.
 */
function finish(
  p: PreparedLut,
  m: number,
  acc: Float64Array,
  from: number,
  to: number,
  out: Uint8Array | Float32Array,
  base: number,
): void {
  const bias = p.bias[m]!;
  const activation = p.activation;
  if (activation === undefined) {
    const scale = p.instruction.lutScale;
    // Float32Array stores round the f64 product once.
    for (let i = from; i < to; i++) out[base + i] = (acc[i]! + bias) * scale;
    return;
  }
  const shift = activation.keyShift;
  const half = shift === 0 ? 0 : 2 ** (shift - 1);
  const inverse = 2 ** -shift;
  const cam = activation.cam;
  // (acc + 2^(shift−1)) · 2^−shift is exact (a power of two) and its floor the arithmetic shift.
  for (let i = from; i < to; i++) out[base + i] = cam.search(Math.floor((acc[i]! + bias + half) * inverse));
}

function checkIndices(p: PreparedLut, x: Uint8Array): void {
  for (let i = 0; i < x.length; i++) {
    if (x[i]! >= p.kU) {
      throw programError(
        p.instruction,
        `input '${p.input.name}' holds cluster index ${x[i]} at element ${i}, but its codebook has ${p.kU} clusters`,
      );
    }
  }
}

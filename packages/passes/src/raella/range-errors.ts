import { adcRange } from './crossbar-model.js';
import { inputPasses, type RaellaLayer } from './layer-data.js';
import { distinctSlices, WEIGHT_BITS, type BitSlice } from './slicings.js';
import { rowSlot, type RowConsumer, type TileSums } from './tile-sums.js';

/**
 * Per-range clipping errors errors[range][v·M + m] (allocated when the range first clips) and |s|
 * totals of a layer, added row by row from the signed bit-plane sums P_j of every tile: the range
 * [lo, lo + w) sums to s = Σ_q 2^q·P_{lo+q}, and clipping it costs ±2^(b+lo)·(clip(s) − s).
 */
export class RangeErrors implements RowConsumer {
  readonly ranges: BitSlice[];
  readonly errors: (Float64Array | undefined)[];
  readonly absTotals: Float64Array;
  private readonly lows: Float64Array;
  private readonly min: number;
  private readonly max: number;
  private readonly passes: number;
  private readonly acc = new Float64Array(WEIGHT_BITS);
  private readonly rowTotals = new Float64Array(26);

  constructor(
    readonly layer: RaellaLayer,
    readonly vectorCount: number,
    readonly maxWidth: number,
    adcBits: number,
  ) {
    this.ranges = distinctSlices(maxWidth, WEIGHT_BITS);
    this.lows = Float64Array.from(this.ranges, (r) => 2 ** r.lo);
    this.errors = this.ranges.map(() => undefined);
    this.absTotals = new Float64Array(this.ranges.length);
    ({ min: this.min, max: this.max } = adcRange(adcBits));
    this.passes = inputPasses(layer);
  }

  addRow(t: TileSums, r: number, row: Float64Array): void {
    const { vector, scale } = rowSlot(t.ids[r]!, this.passes);
    const at = vector * this.layer.outChannels + t.firstChannel;
    if (this.maxWidth === 4) this.rowWidthFour(row, t.channels, at, scale);
    else {
      for (let m = 0; m < t.channels; m++) this.addAnyWidth(row.subarray(m * WEIGHT_BITS, (m + 1) * WEIGHT_BITS), at + m, scale);
    }
  }

  /** The 26 ranges of width ≤ 4 written out, for one input row of every channel: the hot loop of slice selection. */
  private rowWidthFour(row: Float64Array, channels: number, at: number, scale: number): void {
    // |s| > limit catches every clipped sum (and, for an asymmetric range, a few that clip() then finds in range).
    const limit = Math.min(this.max, -this.min);
    const totals = this.rowTotals;
    totals.fill(0);
    for (let m = 0; m < channels; m++) {
      const o = m * WEIGHT_BITS;
      const p0 = row[o]!;
      const p1 = row[o + 1]!;
      const p2 = row[o + 2]!;
      const p3 = row[o + 3]!;
      const p4 = row[o + 4]!;
      const p5 = row[o + 5]!;
      const p6 = row[o + 6]!;
      const p7 = row[o + 7]!;
      const w20 = p0 + 2 * p1;
      const w21 = p1 + 2 * p2;
      const w22 = p2 + 2 * p3;
      const w23 = p3 + 2 * p4;
      const w24 = p4 + 2 * p5;
      const w25 = p5 + 2 * p6;
      const w26 = p6 + 2 * p7;
      const w30 = w20 + 4 * p2;
      const w31 = w21 + 4 * p3;
      const w32 = w22 + 4 * p4;
      const w33 = w23 + 4 * p5;
      const w34 = w24 + 4 * p6;
      const w35 = w25 + 4 * p7;
      const w40 = w30 + 8 * p3;
      const w41 = w31 + 8 * p4;
      const w42 = w32 + 8 * p5;
      const w43 = w33 + 8 * p6;
      const w44 = w34 + 8 * p7;
      const base = at + m;
      const a0 = Math.abs(p0);
      totals[0] = totals[0]! + a0;
      if (a0 > limit) this.clip(base, 0, p0, scale);
      const a1 = Math.abs(p1);
      totals[1] = totals[1]! + a1;
      if (a1 > limit) this.clip(base, 1, p1, scale);
      const a2 = Math.abs(p2);
      totals[2] = totals[2]! + a2;
      if (a2 > limit) this.clip(base, 2, p2, scale);
      const a3 = Math.abs(p3);
      totals[3] = totals[3]! + a3;
      if (a3 > limit) this.clip(base, 3, p3, scale);
      const a4 = Math.abs(p4);
      totals[4] = totals[4]! + a4;
      if (a4 > limit) this.clip(base, 4, p4, scale);
      const a5 = Math.abs(p5);
      totals[5] = totals[5]! + a5;
      if (a5 > limit) this.clip(base, 5, p5, scale);
      const a6 = Math.abs(p6);
      totals[6] = totals[6]! + a6;
      if (a6 > limit) this.clip(base, 6, p6, scale);
      const a7 = Math.abs(p7);
      totals[7] = totals[7]! + a7;
      if (a7 > limit) this.clip(base, 7, p7, scale);
      const a8 = Math.abs(w20);
      totals[8] = totals[8]! + a8;
      if (a8 > limit) this.clip(base, 8, w20, scale);
      const a9 = Math.abs(w21);
      totals[9] = totals[9]! + a9;
      if (a9 > limit) this.clip(base, 9, w21, scale);
      const a10 = Math.abs(w22);
      totals[10] = totals[10]! + a10;
      if (a10 > limit) this.clip(base, 10, w22, scale);
      const a11 = Math.abs(w23);
      totals[11] = totals[11]! + a11;
      if (a11 > limit) this.clip(base, 11, w23, scale);
      const a12 = Math.abs(w24);
      totals[12] = totals[12]! + a12;
      if (a12 > limit) this.clip(base, 12, w24, scale);
      const a13 = Math.abs(w25);
      totals[13] = totals[13]! + a13;
      if (a13 > limit) this.clip(base, 13, w25, scale);
      const a14 = Math.abs(w26);
      totals[14] = totals[14]! + a14;
      if (a14 > limit) this.clip(base, 14, w26, scale);
      const a15 = Math.abs(w30);
      totals[15] = totals[15]! + a15;
      if (a15 > limit) this.clip(base, 15, w30, scale);
      const a16 = Math.abs(w31);
      totals[16] = totals[16]! + a16;
      if (a16 > limit) this.clip(base, 16, w31, scale);
      const a17 = Math.abs(w32);
      totals[17] = totals[17]! + a17;
      if (a17 > limit) this.clip(base, 17, w32, scale);
      const a18 = Math.abs(w33);
      totals[18] = totals[18]! + a18;
      if (a18 > limit) this.clip(base, 18, w33, scale);
      const a19 = Math.abs(w34);
      totals[19] = totals[19]! + a19;
      if (a19 > limit) this.clip(base, 19, w34, scale);
      const a20 = Math.abs(w35);
      totals[20] = totals[20]! + a20;
      if (a20 > limit) this.clip(base, 20, w35, scale);
      const a21 = Math.abs(w40);
      totals[21] = totals[21]! + a21;
      if (a21 > limit) this.clip(base, 21, w40, scale);
      const a22 = Math.abs(w41);
      totals[22] = totals[22]! + a22;
      if (a22 > limit) this.clip(base, 22, w41, scale);
      const a23 = Math.abs(w42);
      totals[23] = totals[23]! + a23;
      if (a23 > limit) this.clip(base, 23, w42, scale);
      const a24 = Math.abs(w43);
      totals[24] = totals[24]! + a24;
      if (a24 > limit) this.clip(base, 24, w43, scale);
      const a25 = Math.abs(w44);
      totals[25] = totals[25]! + a25;
      if (a25 > limit) this.clip(base, 25, w44, scale);
    }
    for (let i = 0; i < 26; i++) this.absTotals[i] = this.absTotals[i]! + totals[i]!;
  }

  private addAnyWidth(p: Float64Array, at: number, scale: number): void {
    const acc = this.acc;
    acc.set(p);
    let range = 0;
    for (let width = 1; width <= this.maxWidth; width++) {
      for (let lo = 0; lo + width <= WEIGHT_BITS; lo++, range++) {
        if (width > 1) acc[lo] = acc[lo]! + 2 ** (width - 1) * p[lo + width - 1]!;
        const sum = acc[lo]!;
        this.absTotals[range] = this.absTotals[range]! + Math.abs(sum);
        if (sum > this.max || sum < this.min) this.clip(at, range, sum, scale);
      }
    }
  }

  /** A clipped range sum: its error, weighted by the input bit and the range's place value. */
  private clip(at: number, range: number, s: number, scale: number): void {
    if (s <= this.max && s >= this.min) return;
    const clipped = s > this.max ? this.max : this.min;
    const errors = (this.errors[range] ??= new Float64Array(this.vectorCount * this.layer.outChannels));
    errors[at] = errors[at]! + scale * this.lows[range]! * (clipped - s);
  }
}

/** Inner products ⟨E_i, E_j⟩ of the ranges' error vectors over all outputs (0 where a range never clipped). */
export function errorGram(ranges: RangeErrors, outputs: number): Float64Array {
  const count = ranges.ranges.length;
  const gram = new Float64Array(count * count);
  const live = Array.from({ length: count }, (_, i) => i).filter((i) => ranges.errors[i] !== undefined);
  const errors = live.map((i) => ranges.errors[i]!);
  const n = live.length;
  const values = new Float64Array(n);
  const sums = new Float64Array(n * n);
  for (let o = 0; o < outputs; o++) {
    let any = false;
    for (let a = 0; a < n; a++) {
      values[a] = errors[a]![o]!;
      any ||= values[a] !== 0;
    }
    // Most outputs saw no clipping at all.
    if (!any) continue;
    for (let a = 0; a < n; a++) {
      const va = values[a]!;
      if (va === 0) continue;
      for (let b = a; b < n; b++) sums[a * n + b] = sums[a * n + b]! + va * values[b]!;
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      const [i, j] = [live[a]!, live[b]!];
      gram[i * count + j] = sums[a * n + b]!;
      gram[j * count + i] = sums[a * n + b]!;
    }
  }
  return gram;
}

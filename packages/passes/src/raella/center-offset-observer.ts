import { IntegerHistogram } from './column-sum-stats.js';
import { adcRange } from './crossbar-model.js';
import { inputPasses, type RaellaLayer } from './layer-data.js';
import { bitSlices, INPUT_BITS, WEIGHT_BITS, type BitSlice } from './slicings.js';
import { rowSlot, type RowConsumer, type TileSums } from './tile-sums.js';

/*
 * Watches a layer's Center+Offset crossbars with one weight slicing, tile by tile, from the signed
 * bit-plane sums: the column sums of every weight slice and input bit (histograms, saturations, the
 * non-speculative output error), then speculation on the same sums (algorithms.md §3.4): a d-bit
 * input slice's sum is Σ_q 2^q·s_{lo+q}; a code at either end of the ADC range fails and is redone
 * with d one-bit conversions, where the remaining clipping error lives.
 */
export class CenterOffsetObserver implements RowConsumer {
  readonly slices: BitSlice[];
  readonly histograms: IntegerHistogram[];
  /** Output errors y_PIM − y, [vector][channel], without and with speculation. */
  readonly errors: Float64Array;
  readonly speculativeErrors: Float64Array;
  conversions = 0;
  saturations = 0;
  speculativeConversions = 0;
  speculations = 0;
  failures = 0;
  recoveryConversions = 0;
  recoverySaturations = 0;
  /** Σ over column sums of their tile's rows, to turn mean |s| into a per-row figure. */
  rowWeight = 0;
  private readonly inputSlices: BitSlice[];
  private readonly min: number;
  private readonly max: number;
  private readonly passes: number;
  /** This tile's slice sums, sums[(r·channels + m)·n + i], kept for speculation. */
  private sums = new Float32Array(0);
  private rowOf = new Int32Array(0);
  private readonly bitSums = new Float64Array(INPUT_BITS);

  constructor(
    private readonly layer: RaellaLayer,
    private readonly vectorCount: number,
    slicing: readonly number[],
    speculation: readonly number[],
    adcBits: number,
    rows: number,
  ) {
    this.slices = bitSlices(slicing, WEIGHT_BITS);
    this.inputSlices = bitSlices(speculation, INPUT_BITS);
    const tileRows = Math.min(rows, layer.depth);
    this.histograms = this.slices.map((s) => {
      const bound = tileRows * (2 ** s.width - 1);
      return new IntegerHistogram(-bound, bound);
    });
    this.errors = new Float64Array(vectorCount * layer.outChannels);
    this.speculativeErrors = new Float64Array(vectorCount * layer.outChannels);
    ({ min: this.min, max: this.max } = adcRange(adcBits));
    this.passes = inputPasses(layer);
  }

  beginTile(t: TileSums): void {
    const size = t.count * t.channels * this.slices.length;
    if (this.sums.length < size) this.sums = new Float32Array(size);
    const slots = this.vectorCount * this.passes * INPUT_BITS;
    if (this.rowOf.length < slots) this.rowOf = new Int32Array(slots);
    this.rowOf.fill(-1, 0, slots);
  }

  /** Slice sums of one input row: histograms, clipping, non-speculative error; kept for speculation. */
  addRow(t: TileSums, r: number, planes: Float64Array): void {
    const { slices, min, max, sums } = this;
    const n = slices.length;
    const id = t.ids[r]!;
    this.rowOf[id] = r;
    const { vector, scale } = rowSlot(id, this.passes);
    for (let i = 0; i < n; i++) {
      const { lo, width } = slices[i]!;
      const hist = this.histograms[i]!;
      const counts = hist.counts;
      const weight = scale * 2 ** lo;
      for (let m = 0; m < t.channels; m++) {
        let s = 0;
        for (let q = width - 1; q >= 0; q--) s = 2 * s + planes[m * WEIGHT_BITS + lo + q]!;
        sums[(r * t.channels + m) * n + i] = s;
        counts[s - hist.lo] = counts[s - hist.lo]! + 1;
        if (s > max || s < min) {
          const at = vector * this.layer.outChannels + t.firstChannel + m;
          this.saturations++;
          this.errors[at] = this.errors[at]! + weight * ((s > max ? max : min) - s);
        }
      }
    }
  }

  endTile(t: TileSums): void {
    const width = t.channels * this.slices.length;
    const slots = this.vectorCount * this.passes * INPUT_BITS;
    // Rows without an input bit: every column sum is 0 (converted all the same).
    for (const h of this.histograms) h.add(0, t.skipped * t.channels);
    this.conversions += slots * width;
    this.rowWeight += slots * width * t.rowCount;
    this.speculate(t);
  }

  /** Speculative conversion of every input slice of every (vector, pass), recovering the failed ones. */
  private speculate(t: TileSums): void {
    const { min, max, sums, rowOf, slices, bitSums } = this;
    const n = slices.length;
    for (let v = 0; v < this.vectorCount; v++) {
      for (let pass = 0; pass < this.passes; pass++) {
        const sign = pass === 0 ? 1 : -1;
        const slot = (v * this.passes + pass) * INPUT_BITS;
        for (let m = 0; m < t.channels; m++) {
          const at = v * this.layer.outChannels + t.firstChannel + m;
          for (let i = 0; i < n; i++) {
            for (let b = 0; b < INPUT_BITS; b++) {
              const r = rowOf[slot + b]!;
              bitSums[b] = r < 0 ? 0 : sums[(r * t.channels + m) * n + i]!;
            }
            for (const { lo, width } of this.inputSlices) {
              this.speculations++;
              this.speculativeConversions++;
              let s = 0;
              for (let q = width - 1; q >= 0; q--) s = 2 * s + bitSums[lo + q]!;
              if (s > min && s < max) continue;
              this.failures++;
              this.speculativeConversions += width;
              this.recoveryConversions += width;
              for (let q = 0; q < width; q++) {
                const bs = bitSums[lo + q]!;
                if (bs > max || bs < min) {
                  this.recoverySaturations++;
                  const place = 2 ** (slices[i]!.lo + lo + q);
                  this.speculativeErrors[at] = this.speculativeErrors[at]! + sign * place * ((bs > max ? max : min) - bs);
                }
              }
            }
          }
        }
      }
    }
  }
}

import { IntegerHistogram } from './column-sum-stats.js';
import { inputPasses, type RaellaLayer } from './layer-data.js';
import { bitSlices, INPUT_BITS, WEIGHT_BITS, type BitSlice } from './slicings.js';
import { rowSlot, type RowConsumer, type TileSums } from './tile-sums.js';

/*
 * Watches the ISAAC-like baseline of a layer (algorithms.md §3.5): offset-binary cells (w + 128),
 * unsigned slices, 1-bit inputs and an unsigned ADC of `adcBits` ([0, 2^b − 1]); the −128·Σx term
 * is digital and exact, so clipping is the only error.
 */
export class OffsetBinaryObserver implements RowConsumer {
  readonly slices: BitSlice[];
  readonly histograms: IntegerHistogram[];
  readonly errors: Float64Array;
  conversions = 0;
  saturations = 0;
  rowWeight = 0;
  private readonly max: number;
  private readonly passes: number;

  constructor(
    private readonly layer: RaellaLayer,
    private readonly vectorCount: number,
    slicing: readonly number[],
    adcBits: number,
    rows: number,
  ) {
    this.slices = bitSlices(slicing, WEIGHT_BITS);
    const tileRows = Math.min(rows, layer.depth);
    this.histograms = this.slices.map((s) => new IntegerHistogram(0, tileRows * (2 ** s.width - 1)));
    this.errors = new Float64Array(vectorCount * layer.outChannels);
    this.max = 2 ** adcBits - 1;
    this.passes = inputPasses(layer);
  }

  addRow(t: TileSums, r: number, row: Float64Array): void {
    const n = this.slices.length;
    const max = this.max;
    const { vector, scale } = rowSlot(t.ids[r]!, this.passes);
    for (let i = 0; i < n; i++) {
      const counts = this.histograms[i]!.counts;
      for (let m = 0; m < t.channels; m++) {
        const s = row[m * n + i]!;
        counts[s] = counts[s]! + 1;
        if (s > max) {
          const at = vector * this.layer.outChannels + t.firstChannel + m;
          this.saturations++;
          this.errors[at] = this.errors[at]! + scale * 2 ** this.slices[i]!.lo * (max - s);
        }
      }
    }
  }

  endTile(t: TileSums): void {
    for (const h of this.histograms) h.add(0, t.skipped * t.channels);
    const sums = this.vectorCount * this.passes * INPUT_BITS * t.channels * this.slices.length;
    this.conversions += sums;
    this.rowWeight += sums * t.rowCount;
  }
}

import { inputPasses, passMagnitude, type LayerVectors, type RaellaLayer } from './layer-data.js';
import { INPUT_BITS } from './slicings.js';

/** A row with at most 1/16 of its bits set is summed directly (see InputBitRows). */
const SPARSE_SHARE = 16;

/**
 * The 1-bit input slices of one row tile as a 0/1 matrix: one row per (vector, pass, input bit)
 * that has a bit set somewhere in the tile (the others give all-zero column sums and are left out),
 * `rowCount` columns. Row r is `id` = (vector·passes + pass)·8 + bit. Rows with few bits set (high
 * input bits are rare) come last, from `denseCount` on: adding their few weight rows is cheaper
 * than a matrix product over every row.
 */
export class InputBitRows {
  a = new Float32Array(0);
  ids = new Int32Array(0);
  count = 0;
  denseCount = 0;
  rowCount = 0;
  private magnitudes = new Int32Array(0);
  private ones = new Int32Array(0);
  private spare = { a: new Float32Array(0), ids: new Int32Array(0) };

  /** Fills the rows of group g's tile [rowStart, rowStart + rowCount). */
  build(layer: RaellaLayer, vectors: LayerVectors, group: number, rowStart: number, rowCount: number): this {
    const passes = inputPasses(layer);
    const slots = vectors.count * passes * INPUT_BITS;
    if (this.ids.length < slots) this.ids = new Int32Array(slots);
    if (this.a.length < slots * rowCount) this.a = new Float32Array(slots * rowCount);
    if (this.magnitudes.length < rowCount) this.magnitudes = new Int32Array(rowCount);
    if (this.ones.length < slots) this.ones = new Int32Array(slots);
    const u = this.magnitudes;
    const a = this.a;
    this.rowCount = rowCount;
    let count = 0;
    for (let v = 0; v < vectors.count; v++) {
      const base = (v * layer.groups + group) * layer.depth + rowStart;
      for (let pass = 0; pass < passes; pass++) {
        let any = 0;
        for (let k = 0; k < rowCount; k++) {
          const m = passMagnitude(vectors.codes[base + k]!, pass, layer.signedInputs);
          u[k] = m;
          any |= m;
        }
        for (let b = 0; b < INPUT_BITS; b++) {
          if (((any >>> b) & 1) === 0) continue;
          const at = count * rowCount;
          let ones = 0;
          for (let k = 0; k < rowCount; k++) {
            const bit = (u[k]! >>> b) & 1;
            a[at + k] = bit;
            ones += bit;
          }
          this.ones[count] = ones;
          this.ids[count++] = (v * passes + pass) * INPUT_BITS + b;
        }
      }
    }
    this.count = count;
    this.sparseLast(rowCount);
    return this;
  }

  /** Stable partition: rows with more than rowCount/16 bits set first, the others after them. */
  private sparseLast(rowCount: number): void {
    const sparse = (r: number) => this.ones[r]! <= rowCount / SPARSE_SHARE;
    let dense = 0;
    for (let r = 0; r < this.count; r++) if (!sparse(r)) dense++;
    this.denseCount = dense;
    if (dense === this.count || dense === 0) return;
    const spare = this.spare;
    if (spare.a.length < this.a.length) spare.a = new Float32Array(this.a.length);
    if (spare.ids.length < this.ids.length) spare.ids = new Int32Array(this.ids.length);
    let [front, back] = [0, dense];
    for (let r = 0; r < this.count; r++) {
      const to = sparse(r) ? back++ : front++;
      spare.a.set(this.a.subarray(r * rowCount, (r + 1) * rowCount), to * rowCount);
      spare.ids[to] = this.ids[r]!;
    }
    [this.a, spare.a] = [spare.a, this.a];
    [this.ids, spare.ids] = [spare.ids, this.ids];
  }
}

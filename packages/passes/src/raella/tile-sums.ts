import { MAX_OFFSET, rowTileCount } from './center.js';
import { PackedProduct, type PackedSums } from './exact-product.js';
import { InputBitRows } from './input-bit-rows.js';
import { centerOf, channelsPerGroup, inputPasses, type CenterLayout, type LayerVectors, type RaellaLayer } from './layer-data.js';
import { INPUT_BITS, sliceShifts, sliceValue, WEIGHT_BITS } from './slicings.js';

/*
 * The fast engine behind slice selection and analysis: for every row tile, all the 1-bit-input
 * column sums of a set of weight columns at once, as one exact matrix product (input bit rows ×
 * weight columns) per tile. Everything else (slices of any width, clipping, speculation) is built
 * from these sums by linearity, so each tile is multiplied once.
 */

/** Column sums of one row tile of one group, handed to a visitor (buffers are reused afterwards). */
export interface TileSums {
  readonly group: number;
  readonly tile: number;
  readonly rowStart: number;
  readonly rowCount: number;
  /** First (global) channel of the group and the group's channel count. */
  readonly firstChannel: number;
  readonly channels: number;
  /** Weight columns per channel (8 signed planes, or n slices). */
  readonly perChannel: number;
  /** Input bit rows present; row r is (vector·passes + pass)·8 + bit = ids[r]. */
  readonly count: number;
  readonly ids: Int32Array;
  /** (vector, pass, bit) rows left out because no input bit was set: their sums are all 0. */
  readonly skipped: number;
  /** The exact column sums, packed; `sums.decodeRow(r, out)` gives row r's sums of every channel. */
  readonly sums: PackedSums;
}

/** The weight columns of a layer: per row tile, a code per (row, channel) and the codes' column values. */
export interface TileColumns {
  readonly perChannel: number;
  /** table[code·perChannel + q]: column q's value for a row holding `code`. */
  readonly table: Int32Array;
  /** Writes codes[k·channels + m] for rows [rowStart, rowStart + rowCount) of channels [firstChannel, +channels). */
  codes(out: Int32Array, firstChannel: number, channels: number, rowStart: number, rowCount: number, tile: number): void;
}

/**
 * Signed bit planes of the Center+Offset magnitudes: column (m, j) holds sign(o_k)·bit_j(|o_k|),
 * o = w − c_{t,m} (code o + 255). Their sums P_j give any slice [lo, lo + w) as Σ_q 2^q·P_{lo+q}.
 */
export function signedPlaneColumns(layer: RaellaLayer, layout: CenterLayout): TileColumns {
  const tiles = rowTileCount(layer.depth, layout.rows);
  const table = new Int32Array((2 * MAX_OFFSET + 1) * WEIGHT_BITS);
  for (let o = -MAX_OFFSET; o <= MAX_OFFSET; o++) {
    for (let j = 0; j < WEIGHT_BITS; j++) table[(o + MAX_OFFSET) * WEIGHT_BITS + j] = Math.sign(o) * ((Math.abs(o) >>> j) & 1);
  }
  return {
    perChannel: WEIGHT_BITS,
    table,
    codes(out, firstChannel, channels, rowStart, rowCount, tile) {
      for (let m = 0; m < channels; m++) {
        const c = centerOf(layout, tiles, firstChannel + m, tile);
        const from = (firstChannel + m) * layer.depth + rowStart;
        for (let k = 0; k < rowCount; k++) out[k * channels + m] = layer.weights[from + k]! - c + MAX_OFFSET;
      }
    },
  };
}

/** Offset-binary (w + 128, code w + 128) unsigned slices: the ISAAC-like baseline's cells. */
export function offsetBinaryColumns(layer: RaellaLayer, slicing: readonly number[]): TileColumns {
  const shifts = sliceShifts(slicing);
  const n = slicing.length;
  const table = new Int32Array(256 * n);
  for (let u = 0; u < 256; u++) for (let i = 0; i < n; i++) table[u * n + i] = sliceValue(u, shifts[i]!, slicing[i]!);
  return {
    perChannel: n,
    table,
    codes(out, firstChannel, channels, rowStart, rowCount) {
      for (let m = 0; m < channels; m++) {
        const from = (firstChannel + m) * layer.depth + rowStart;
        for (let k = 0; k < rowCount; k++) out[k * channels + m] = layer.weights[from + k]! + 128;
      }
    },
  };
}

/** Runs every (group, row tile) of the layer through the exact product and hands the sums to `visit`. */
export function forEachTileSums(
  layer: RaellaLayer,
  vectors: LayerVectors,
  rows: number,
  columns: TileColumns,
  visit: (sums: TileSums) => void,
): void {
  const tiles = rowTileCount(layer.depth, rows);
  const channels = channelsPerGroup(layer);
  const slots = vectors.count * inputPasses(layer) * INPUT_BITS;
  const bits = new InputBitRows();
  const product = new PackedProduct();
  const codes = new Int32Array(Math.min(rows, layer.depth) * channels);
  for (let g = 0; g < layer.groups; g++) {
    const firstChannel = g * channels;
    for (let t = 0; t < tiles; t++) {
      const rowStart = t * rows;
      const rowCount = Math.min(layer.depth, rowStart + rows) - rowStart;
      bits.build(layer, vectors, g, rowStart, rowCount);
      columns.codes(codes, firstChannel, channels, rowStart, rowCount, t);
      const sums = product.multiply(
        bits.a,
        bits.count,
        bits.denseCount,
        rowCount,
        { codes, table: columns.table, perChannel: columns.perChannel },
        channels,
      );
      visit({
        group: g,
        tile: t,
        rowStart,
        rowCount,
        firstChannel,
        channels,
        perChannel: columns.perChannel,
        count: bits.count,
        ids: bits.ids,
        skipped: slots - bits.count,
        sums,
      });
    }
  }
}

/** Consumes a layer's column sums one decoded input row at a time (several consumers share each decode). */
export interface RowConsumer {
  beginTile?(t: TileSums): void;
  /** row[m·perChannel + q]: the column sums of input row r (t.ids[r]) for every channel of the tile. */
  addRow(t: TileSums, r: number, row: Float64Array): void;
  endTile?(t: TileSums): void;
}

/** Where an input row comes from: id = (vector·passes + pass)·8 + bit. */
export interface RowSlot {
  readonly vector: number;
  readonly pass: number;
  readonly bit: number;
  /** ±2^bit: the row's place value, negative for the second (negative-input) pass. */
  readonly scale: number;
}

export function rowSlot(id: number, passes: number): RowSlot {
  const bit = id % INPUT_BITS;
  const vp = (id - bit) / INPUT_BITS;
  const pass = vp % passes;
  return { vector: (vp - pass) / passes, pass, bit, scale: (pass === 0 ? 1 : -1) * 2 ** bit };
}

/** forEachTileSums, decoding every input row once for all `consumers`. */
export function forEachTileRow(
  layer: RaellaLayer,
  vectors: LayerVectors,
  rows: number,
  columns: TileColumns,
  consumers: readonly RowConsumer[],
): void {
  let row = new Float64Array(0);
  forEachTileSums(layer, vectors, rows, columns, (t) => {
    if (row.length < t.channels * t.perChannel) row = new Float64Array(t.channels * t.perChannel);
    for (const c of consumers) c.beginTile?.(t);
    for (let r = 0; r < t.count; r++) {
      t.sums.decodeRow(r, row);
      for (const c of consumers) c.addRow(t, r, row);
    }
    for (const c of consumers) c.endTile?.(t);
  });
}

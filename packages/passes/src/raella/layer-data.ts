import { PimcError } from '@pimc/support';
import { MAX_OFFSET, rowTileCount } from './center.js';

/*
 * A PimQConv or PimQGemm as its crossbars see it (algorithms.md §1.3): W [M][depth] int8 row-major,
 * depth = (C/g)·R·S with im2col row k = (c·R + r)·S + s, channel m in group ⌊m/(M/g)⌋; inputs are
 * u8 codes, or i8 codes fed in two passes of magnitudes (max(x, 0), then max(−x, 0) subtracted).
 */
export interface RaellaLayer {
  readonly name: string;
  readonly weights: Int8Array;
  readonly outChannels: number;
  readonly depth: number;
  readonly groups: number;
  /** The input zero point: padding taps read it, and zp·Σw is subtracted digitally. */
  readonly zeroPoint: number;
  readonly signedInputs: boolean;
}

/** Calibration input vectors: `codes[(v·groups + g)·depth + k]`, im2col row k of group g for vector v. */
export interface LayerVectors {
  readonly count: number;
  readonly codes: Int32Array;
}

/** Center+Offset centers [M][rowTiles] (channel-major) for row tiles of `rows` rows; undefined: all 0. */
export interface CenterLayout {
  readonly centers: ArrayLike<number> | undefined;
  readonly rows: number;
}

/** Input passes per vector: 2 for signed inputs (positive magnitudes, then negative ones). */
export function inputPasses(layer: RaellaLayer): number {
  return layer.signedInputs ? 2 : 1;
}

/** The magnitude a row sees in one pass: the code itself (unsigned), max(x, 0) or max(−x, 0) (signed). */
export function passMagnitude(x: number, pass: number, signed: boolean): number {
  if (!signed) return x;
  const m = pass === 0 ? x : -x;
  return m > 0 ? m : 0;
}

export function channelsPerGroup(layer: RaellaLayer): number {
  return layer.outChannels / layer.groups;
}

/** The center of channel m in row tile t (0 without centers). */
export function centerOf(layout: CenterLayout, tiles: number, m: number, t: number): number {
  return layout.centers === undefined ? 0 : layout.centers[m * tiles + t]!;
}

/** Checks a layer's shape facts and its centers (count, int8 range, offsets within 8-bit magnitudes). */
export function checkLayer(layer: RaellaLayer, layout: CenterLayout): void {
  const { outChannels: m, depth, groups, name } = layer;
  if (layer.weights.length !== m * depth || m % groups !== 0) {
    throw new PimcError(
      'internal',
      `layer ${name}: ${layer.weights.length} weights do not form ${m} channels × ${depth} rows in ${groups} groups`,
    );
  }
  const tiles = rowTileCount(depth, layout.rows);
  const centers = layout.centers;
  if (centers === undefined) return;
  if (centers.length !== m * tiles) {
    throw new PimcError(
      'invalid-attribute',
      `layer ${name}: ${centers.length} weight centers, expected ${m} channels × ${tiles} row tiles of ${layout.rows} rows`,
    );
  }
  for (let ch = 0; ch < m; ch++) {
    for (let t = 0; t < tiles; t++) {
      const c = centers[ch * tiles + t]!;
      if (!Number.isInteger(c) || c < -128 || c > 127) {
        throw new PimcError(
          'invalid-attribute',
          `layer ${name}: weight center ${c} (channel ${ch}, row tile ${t}) is not an int8 value`,
        );
      }
      for (let k = t * layout.rows; k < Math.min(depth, (t + 1) * layout.rows); k++) {
        if (Math.abs(layer.weights[ch * depth + k]! - c) > MAX_OFFSET) {
          throw new PimcError(
            'internal',
            `layer ${name}: offset of weight ${layer.weights[ch * depth + k]} from center ${c} exceeds 8 bits`,
          );
        }
      }
    }
  }
}

/** Σ_k w_k of every channel (for the zero point's digital correction). */
export function weightSums(layer: RaellaLayer): Float64Array {
  const sums = new Float64Array(layer.outChannels);
  for (let m = 0; m < layer.outChannels; m++) {
    let s = 0;
    for (let k = 0; k < layer.depth; k++) s += layer.weights[m * layer.depth + k]!;
    sums[m] = s;
  }
  return sums;
}

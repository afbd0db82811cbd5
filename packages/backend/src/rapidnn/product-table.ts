import { PimcError } from '@pimc/support';
import { roundHalfEven, signedMax } from './fixed-point.js';
import type { WeightedLayer } from './weighted-layer.js';

/** Most weight clusters one table may hold: weight indices are u8 on the chip. */
export const MAX_WEIGHT_CLUSTERS = 256;

/**
 * Which weight clusters a layer's tables use. `layer`: one table over the distinct weights of the
 * whole layer. `outChannel`: one table per output channel over that channel's distinct weights
 * (per-neuron tables). `auto` (default): `layer` when the whole layer has at most 256 distinct weights
 * and its table fits a LUT block, else `outChannel` (what rapidnn-cluster's per-channel granularity
 * produces). Both compute the same products; they differ in table memory.
 */
export type TableGranularity = 'auto' | 'layer' | 'outChannel';

/** A layer's lookup tables (algorithms.md §2.2 step 3) and its weights as cluster indices. */
export interface ProductTables {
  readonly kW: number;
  /** 1 (per layer) or M (per output channel). */
  readonly tables: number;
  /** The weight clusters of each table, ascending, [tables][kW] (a channel with fewer clusters pads with 0s it never indexes). */
  readonly clusters: Float64Array;
  /** [M][depth]. */
  readonly weightIndices: Uint8Array;
  /** [tables][kW][kU], signed lutBits-bit integers. */
  readonly lut: Int32Array;
  readonly lutScale: number;
  /** Per output channel, in LUT units. */
  readonly bias: Int32Array;
}

export interface TableOptions {
  readonly lutBits: number;
  /** Entries of one LUT block: kW · kU must fit. */
  readonly lutEntries: number;
  readonly granularity: TableGranularity;
}

function fail(layer: WeightedLayer, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-model', message, { location: { node: layer.node.name, opType: layer.node.op }, notes });
}

/** Sorted distinct values (−0 and +0 are one value). */
function distinct(values: Float64Array): Float64Array {
  const sorted = Float64Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]! === 0 ? 0 : sorted[i]!;
  }
  return sorted.slice(0, n);
}

/** Index of `v` in an ascending list that holds it. */
function indexOf(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Recovers the weight clusters of a clustered layer (the sorted distinct values of its weights, per
 * layer or per output channel), the weights' cluster indices, and the product tables
 * `LUT[i][j] = round(cW[i]·cU[j] / sL)` with `sL = max|cW|·max|cU| / (2^(lutBits−1) − 1)` and the bias
 * in LUT units `round(b / sL)` (rounding half to even).
 */
export function productTables(layer: WeightedLayer, inputClusters: Float32Array, options: TableOptions): ProductTables {
  const { outChannels: m, depth, weights } = layer;
  const kU = inputClusters.length;
  const whole = distinct(weights);
  const useLayer =
    options.granularity === 'layer' ||
    (options.granularity === 'auto' && whole.length <= MAX_WEIGHT_CLUSTERS && whole.length * kU <= options.lutEntries);
  let groups: Float64Array[];
  if (useLayer) {
    if (whole.length > MAX_WEIGHT_CLUSTERS) {
      fail(
        layer,
        `its weights take ${whole.length} distinct values; a lookup table holds at most ${MAX_WEIGHT_CLUSTERS} weight clusters`,
        ['run rapidnn-cluster on the model first (kW ≤ 256)'],
      );
    }
    groups = [whole];
  } else {
    groups = Array.from({ length: m }, (_, c) => distinct(weights.subarray(c * depth, (c + 1) * depth)));
    const worst = groups.reduce((best, g, c) => (g.length > groups[best]!.length ? c : best), 0);
    if (groups[worst]!.length > MAX_WEIGHT_CLUSTERS) {
      fail(
        layer,
        `output channel ${worst} of its weights takes ${groups[worst]!.length} distinct values; a lookup table holds at most ${MAX_WEIGHT_CLUSTERS} weight clusters`,
        ['run rapidnn-cluster on the model first (kW ≤ 256 per layer or per output channel)'],
      );
    }
  }
  const tables = groups.length;
  const kW = Math.max(...groups.map((g) => g.length));
  if (kW * kU > options.lutEntries) {
    fail(layer, `its product table needs kW × kU = ${kW} × ${kU} = ${kW * kU} entries; a LUT block holds ${options.lutEntries}`, [
      'cluster with fewer weight or input clusters, or use a chip with larger tiles.lut.entries',
    ]);
  }

  const clusters = new Float64Array(tables * kW);
  groups.forEach((g, t) => clusters.set(g, t * kW));
  const weightIndices = new Uint8Array(m * depth);
  for (let c = 0; c < m; c++) {
    const g = groups[tables === 1 ? 0 : c]!;
    for (let k = 0; k < depth; k++) weightIndices[c * depth + k] = indexOf(g, weights[c * depth + k]!);
  }

  const maxW = clusters.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const maxU = inputClusters.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const limit = signedMax(options.lutBits);
  const maxBias = layer.bias.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  // All products 0 (zero weights or inputs): any scale keeps the LUT exact; take one that keeps the bias precise.
  const lutScale = maxW * maxU > 0 ? (maxW * maxU) / limit : maxBias > 0 ? maxBias / limit : 1;
  const lut = new Int32Array(tables * kW * kU);
  for (let t = 0; t < tables; t++) {
    for (let i = 0; i < kW; i++) {
      const w = clusters[t * kW + i]!;
      for (let j = 0; j < kU; j++) {
        const v = roundHalfEven((w * inputClusters[j]!) / lutScale);
        lut[(t * kW + i) * kU + j] = Math.max(-limit, Math.min(limit, v));
      }
    }
  }
  const bias = new Int32Array(m);
  for (let c = 0; c < m; c++) {
    const b = roundHalfEven(layer.bias[c]! / lutScale);
    if (Math.abs(b) > 2 ** 31 - 1) {
      fail(layer, `the bias of output channel ${c} is ${layer.bias[c]}, ${b} LUT units of ${lutScale}: beyond 32 bits`);
    }
    bias[c] = b;
  }
  return { kW, tables, clusters, weightIndices, lut, lutScale, bias };
}

/**
 * Bounds of the accumulators a layer can produce: per output channel the bias plus, per im2col row,
 * the smallest (largest) entry of its weight's LUT row, or 0 when smaller (larger) — a padding tap
 * adds nothing.
 */
export function accRange(t: ProductTables, kU: number, depth: number): { min: number; max: number } {
  const rows = t.tables * t.kW;
  const rowMin = new Float64Array(rows);
  const rowMax = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < kU; j++) {
      rowMin[r] = Math.min(rowMin[r]!, t.lut[r * kU + j]!);
      rowMax[r] = Math.max(rowMax[r]!, t.lut[r * kU + j]!);
    }
  }
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < t.bias.length; c++) {
    const base = (t.tables === 1 ? 0 : c) * t.kW;
    let lo = t.bias[c]!;
    let hi = t.bias[c]!;
    for (let k = 0; k < depth; k++) {
      const r = base + t.weightIndices[c * depth + k]!;
      lo += rowMin[r]!;
      hi += rowMax[r]!;
    }
    min = Math.min(min, lo);
    max = Math.max(max, hi);
  }
  return { min, max };
}

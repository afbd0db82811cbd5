import { CenterOffsetObserver } from './center-offset-observer.js';
import { MAX_OFFSET, rowTileCount, signedSliceTable } from './center.js';
import { IntegerHistogram, worstCaseBits, type ColumnSumStats, type SumHistogram } from './column-sum-stats.js';
import { exactOutputs, norm, relativeError } from './exact-outputs.js';
import { centerOf, checkLayer, inputPasses, type CenterLayout, type LayerVectors, type RaellaLayer } from './layer-data.js';
import { OffsetBinaryObserver } from './offset-binary-observer.js';
import { RangeErrors } from './range-errors.js';
import { rankSlicings, type SlicingChoice } from './slice-selection.js';
import { INPUT_BITS, sliceShifts, sliceValue } from './slicings.js';
import { forEachTileRow, offsetBinaryColumns, signedPlaneColumns } from './tile-sums.js';

/*
 * Per-layer RAELLA metrics on calibration vectors (algorithms.md §3.6), as plain JSON-able data:
 * the slicing choices, the centers, column-sum statistics of Center+Offset and of the ISAAC-like
 * unsigned baseline, the ADC bits they need, saturation, ADC conversions per MAC with and without
 * speculation, and the output error against the exact integer layer.
 */

export interface LayerAnalysisOptions {
  /** The layer's weight slicing (Center+Offset) and its centers. */
  readonly slicing: readonly number[];
  readonly layout: CenterLayout;
  /** Signed ADC resolution of the Center+Offset crossbars. */
  readonly adcBits: number;
  /** Speculative input slices, MSB first. */
  readonly speculation: readonly number[];
  /** Slice-selection budgets to report the choice at, and the largest slice width. */
  readonly budgets: readonly number[];
  readonly maxBitsPerCell: number;
  /** The ISAAC-like baseline: weight slicing, crossbar rows and unsigned ADC bits. */
  readonly baselineSlicing: readonly number[];
  readonly baselineRows: number;
  readonly baselineAdcBits: number;
  /**
   * Calibration vectors the baseline is measured on (evenly spaced among the layer's): its 128-row
   * tiles cost four times the work of 512-row ones, and its statistics settle long before 256 vectors.
   */
  readonly baselineVectors: number;
}

export const DEFAULT_ANALYSIS: Omit<LayerAnalysisOptions, 'slicing' | 'layout'> = {
  adcBits: 7,
  speculation: [4, 2, 2],
  budgets: [1e-2, 1e-3, 1e-4],
  maxBitsPerCell: 4,
  baselineSlicing: [2, 2, 2, 2],
  baselineRows: 128,
  baselineAdcBits: 8,
  baselineVectors: 64,
};

export interface EncodingAnalysis {
  readonly encoding: 'center-offset' | 'offset-binary';
  readonly slicing: number[];
  readonly rows: number;
  readonly signed: boolean;
  /** Calibration vectors measured. */
  readonly vectors: number;
  /** Per weight slice (MSB first), then all slices pooled. */
  readonly slices: ColumnSumStats[];
  readonly pooled: ColumnSumStats;
  /** Mean |column sum| divided by the mean rows of its tile (comparable across row counts). */
  readonly meanAbsPerRow: number;
  /**
   * Mean stored slice value / (2^w − 1) over every cell, signed (near 0 for Center+Offset, about 0.5
   * for unsigned slices: the artifact's 0.06 vs 0.5 [artifact]), and its magnitude.
   */
  readonly meanNormalizedSliceValue: number;
  readonly meanAbsNormalizedSliceValue: number;
  /** Bits covering every sum of every slice, and 99.9% of the pooled sums; the analytic worst case. */
  readonly bitsFull: number;
  readonly bits999: number;
  readonly worstCaseBits: number;
  readonly adcBits: number;
  readonly conversions: number;
  readonly saturationRate: number;
  /** ε = RMS(y_PIM − y)/RMS(y) with 1-bit inputs at `adcBits`. */
  readonly error: number;
}

export interface SpeculationAnalysis {
  readonly slices: number[];
  readonly conversions: number;
  readonly conversionsPerMac: number;
  /** Speculative conversions that did not saturate. */
  readonly successRate: number;
  /** Conversions relative to the non-speculative 1-bit scheme: converts / (columns · 8). */
  readonly adcShare: number;
  readonly recoveryConversions: number;
  readonly recoverySaturations: number;
  readonly recoverySaturationRate: number;
  readonly cyclesPerVector: number;
  readonly worstCaseBits: number;
  readonly error: number;
}

export interface CenterSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly histogram: SumHistogram;
}

export interface LayerAnalysis {
  readonly outChannels: number;
  readonly depth: number;
  readonly groups: number;
  readonly rowTiles: number;
  readonly signedInputs: boolean;
  readonly vectors: number;
  readonly macs: number;
  readonly slicing: number[];
  /** Slice selection on these vectors at each budget (same ADC and rows). */
  readonly selection: SlicingChoice[];
  readonly centers: CenterSummary | undefined;
  readonly centerOffset: EncodingAnalysis;
  readonly baseline: EncodingAnalysis;
  readonly nonSpeculative: { readonly conversionsPerMac: number; readonly cyclesPerVector: number };
  readonly speculative: SpeculationAnalysis;
}

export function analyzeLayer(layer: RaellaLayer, vectors: LayerVectors, options: LayerAnalysisOptions): LayerAnalysis {
  checkLayer(layer, options.layout);
  const V = vectors.count;
  const rows = options.layout.rows;
  const tiles = rowTileCount(layer.depth, rows);
  const exact = exactOutputs(layer, vectors);
  const reference = norm(exact);
  const macs = V * layer.outChannels * layer.depth;
  const passes = inputPasses(layer);

  const ranges = new RangeErrors(layer, V, options.maxBitsPerCell, options.adcBits);
  const co = new CenterOffsetObserver(layer, V, options.slicing, options.speculation, options.adcBits, rows);
  forEachTileRow(layer, vectors, rows, signedPlaneColumns(layer, options.layout), [ranges, co]);
  const [first, ...others] = options.budgets;
  const ranked = rankSlicings(ranges, reference, {
    budget: first ?? 1e-3,
    reportBudgets: others,
    maxBitsPerCell: options.maxBitsPerCell,
    rows,
  });

  const subset = evenlySpaced(vectors, layer, options.baselineVectors);
  const isaac = new OffsetBinaryObserver(
    layer,
    subset.vectors.count,
    options.baselineSlicing,
    options.baselineAdcBits,
    options.baselineRows,
  );
  forEachTileRow(layer, subset.vectors, options.baselineRows, offsetBinaryColumns(layer, options.baselineSlicing), [isaac]);
  const subsetExact = subset.picked.flatMap((v) =>
    Array.from(exact.subarray(v * layer.outChannels, (v + 1) * layer.outChannels)),
  );

  const maxWidth = Math.max(...options.slicing);
  const centerOffset = encodingAnalysis('center-offset', options.slicing, rows, true, co.histograms, {
    vectors: V,
    rowWeight: co.rowWeight,
    sliceValues: centerOffsetSliceValues(layer, options),
    worstCaseBits: worstCaseBits(Math.min(rows, layer.depth), maxWidth, 1, true),
    adcBits: options.adcBits,
    conversions: co.conversions,
    saturations: co.saturations,
    error: relativeError(co.errors, exact),
  });
  const baseline = encodingAnalysis('offset-binary', options.baselineSlicing, options.baselineRows, false, isaac.histograms, {
    vectors: subset.vectors.count,
    rowWeight: isaac.rowWeight,
    sliceValues: offsetBinarySliceValues(layer, options.baselineSlicing),
    worstCaseBits: worstCaseBits(Math.min(options.baselineRows, layer.depth), Math.max(...options.baselineSlicing), 1, false),
    adcBits: options.baselineAdcBits,
    conversions: isaac.conversions,
    saturations: isaac.saturations,
    error: relativeError(isaac.errors, subsetExact),
  });
  return {
    outChannels: layer.outChannels,
    depth: layer.depth,
    groups: layer.groups,
    rowTiles: tiles,
    signedInputs: layer.signedInputs,
    vectors: V,
    macs,
    slicing: [...options.slicing],
    selection: [ranked.choice, ...ranked.reported],
    centers: centerSummary(options.layout, layer.outChannels * tiles),
    centerOffset,
    baseline,
    nonSpeculative: { conversionsPerMac: safeRatio(co.conversions, macs), cyclesPerVector: passes * INPUT_BITS },
    speculative: {
      slices: [...options.speculation],
      conversions: co.speculativeConversions,
      conversionsPerMac: safeRatio(co.speculativeConversions, macs),
      successRate: co.speculations === 0 ? 1 : 1 - co.failures / co.speculations,
      adcShare: safeRatio(co.speculativeConversions, co.conversions),
      recoveryConversions: co.recoveryConversions,
      recoverySaturations: co.recoverySaturations,
      recoverySaturationRate: safeRatio(co.recoverySaturations, co.recoveryConversions),
      cyclesPerVector: passes * (options.speculation.length + INPUT_BITS),
      worstCaseBits: worstCaseBits(Math.min(rows, layer.depth), maxWidth, Math.max(...options.speculation), true),
      error: relativeError(co.speculativeErrors, exact),
    },
  };
}

/** Up to `count` of the vectors, evenly spaced, and which ones they are. */
function evenlySpaced(vectors: LayerVectors, layer: RaellaLayer, count: number): { vectors: LayerVectors; picked: number[] } {
  const n = Math.max(1, Math.min(count, vectors.count));
  const picked = Array.from({ length: n }, (_, i) => Math.floor((i * vectors.count) / n));
  const width = layer.groups * layer.depth;
  const codes = new Int32Array(n * width);
  picked.forEach((v, i) => codes.set(vectors.codes.subarray(v * width, (v + 1) * width), i * width));
  return { vectors: { count: n, codes }, picked };
}

interface EncodingFacts {
  readonly vectors: number;
  readonly rowWeight: number;
  readonly sliceValues: { readonly signed: number; readonly magnitude: number };
  readonly worstCaseBits: number;
  readonly adcBits: number;
  readonly conversions: number;
  readonly saturations: number;
  readonly error: number;
}

function encodingAnalysis(
  encoding: EncodingAnalysis['encoding'],
  slicing: readonly number[],
  rows: number,
  signed: boolean,
  histograms: readonly IntegerHistogram[],
  facts: EncodingFacts,
): EncodingAnalysis {
  const slices = histograms.map((h) => h.stats(signed));
  const lo = Math.min(...histograms.map((h) => h.lo));
  const hi = Math.max(...histograms.map((h) => h.hi));
  const all = new IntegerHistogram(lo, hi);
  for (const h of histograms) all.merge(h);
  const pooled = all.stats(signed);
  const meanRows = pooled.count === 0 ? 0 : facts.rowWeight / pooled.count;
  return {
    encoding,
    slicing: [...slicing],
    rows,
    signed,
    vectors: facts.vectors,
    slices,
    pooled,
    meanAbsPerRow: meanRows === 0 ? 0 : pooled.meanAbs / meanRows,
    meanNormalizedSliceValue: facts.sliceValues.signed,
    meanAbsNormalizedSliceValue: facts.sliceValues.magnitude,
    bitsFull: Math.max(...slices.map((s) => s.bitsFull)),
    bits999: pooled.bits999,
    worstCaseBits: facts.worstCaseBits,
    adcBits: facts.adcBits,
    conversions: facts.conversions,
    saturationRate: safeRatio(facts.saturations, facts.conversions),
    error: facts.error,
  };
}

/** Mean a_{k,i} / (2^w_i − 1) and mean |a_{k,i}| / (2^w_i − 1) over every stored Center+Offset cell. */
function centerOffsetSliceValues(layer: RaellaLayer, options: LayerAnalysisOptions): { signed: number; magnitude: number } {
  // Count the offsets first: 511 of them, against millions of weights.
  const offsets = new Float64Array(2 * MAX_OFFSET + 1);
  const { rows } = options.layout;
  const tiles = rowTileCount(layer.depth, rows);
  for (let m = 0; m < layer.outChannels; m++) {
    for (let t = 0; t < tiles; t++) {
      const c = centerOf(options.layout, tiles, m, t);
      const end = Math.min(layer.depth, (t + 1) * rows);
      for (let k = t * rows; k < end; k++) {
        const at = layer.weights[m * layer.depth + k]! - c + MAX_OFFSET;
        offsets[at] = offsets[at]! + 1;
      }
    }
  }
  const table = signedSliceTable(options.slicing);
  const n = table.slices;
  let signed = 0;
  let magnitude = 0;
  offsets.forEach((count, at) => {
    for (let i = 0; i < n; i++) {
      const a = (count * table.values[at * n + i]!) / (2 ** options.slicing[i]! - 1);
      signed += a;
      magnitude += Math.abs(a);
    }
  });
  const cells = layer.weights.length * n;
  return { signed: safeRatio(signed, cells), magnitude: safeRatio(magnitude, cells) };
}

/** The same for offset-binary cells slice_i(w + 128) (all non-negative). */
function offsetBinarySliceValues(layer: RaellaLayer, slicing: readonly number[]): { signed: number; magnitude: number } {
  const values = new Float64Array(256);
  for (const w of layer.weights) values[w + 128] = values[w + 128]! + 1;
  const shifts = sliceShifts(slicing);
  let total = 0;
  values.forEach((count, u) => {
    for (let i = 0; i < slicing.length; i++) total += (count * sliceValue(u, shifts[i]!, slicing[i]!)) / (2 ** slicing[i]! - 1);
  });
  const mean = safeRatio(total, layer.weights.length * slicing.length);
  return { signed: mean, magnitude: mean };
}

function centerSummary(layout: CenterLayout, count: number): CenterSummary | undefined {
  const centers = layout.centers;
  if (centers === undefined || count === 0) return undefined;
  const histogram = new IntegerHistogram(-128, 127);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    histogram.add(centers[i]!);
    sum += centers[i]!;
  }
  const stats = histogram.stats(true);
  return { count, min: stats.min, max: stats.max, mean: sum / count, histogram: stats.histogram };
}

function safeRatio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

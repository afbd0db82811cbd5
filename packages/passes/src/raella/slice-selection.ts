import { rowTileCount } from './center.js';
import { exactOutputs, norm } from './exact-outputs.js';
import { checkLayer, inputPasses, type CenterLayout, type LayerVectors, type RaellaLayer } from './layer-data.js';
import { errorGram, RangeErrors } from './range-errors.js';
import { bitSlices, distinctSliceIndex, INPUT_BITS, weightSlicings, WEIGHT_BITS } from './slicings.js';
import { forEachTileRow, signedPlaneColumns } from './tile-sums.js';

/*
 * raella.slice's error model (algorithms.md §3.3): simulate, do not estimate. A slicing's output
 * error is the sum of its slices' clipping errors, and the 108 candidates share 26 distinct bit
 * ranges, so each range's clipping error E[range][v][m] = Σ_t Σ_pass ±Σ_b 2^(b+lo)·(clip(s) − s) is
 * computed once from the tiles' signed bit-plane sums (range-errors.ts), and a candidate's squared
 * error ‖Σ_{i∈σ} E_i‖² is a sum of entries of the ranges' Gram matrix.
 */

export interface SliceSelectionOptions {
  /** The budget the choice must meet: ε(σ) ≤ budget. */
  readonly budget: number;
  /** More budgets to report choices at (e.g. 1e-2 and 1e-4). */
  readonly reportBudgets?: readonly number[];
  readonly adcBits: number;
  readonly maxBitsPerCell: number;
  readonly layout: CenterLayout;
}

export interface SlicingChoice {
  readonly budget: number;
  readonly slicing: number[];
  /** ε = RMS(y_PIM − y)/RMS(y) over all outputs of the calibration vectors. */
  readonly error: number;
  /** No candidate met the budget: [1×8] is used and the layer saturates. */
  readonly saturating: boolean;
}

export interface CandidateError {
  readonly slicing: number[];
  readonly error: number;
  /** Σ_i E|s_i| over the calibration column sums (the second tie-break). */
  readonly meanAbsSum: number;
}

export interface SliceSelection {
  readonly choice: SlicingChoice;
  readonly reported: SlicingChoice[];
  /** Every candidate, in ranking order (fewest slices, lower ε, lower Σ E|s_i|). */
  readonly candidates: CandidateError[];
}

/** What ranking needs besides the range errors: the budgets and the candidate set. */
export interface RankingOptions {
  readonly budget: number;
  readonly reportBudgets?: readonly number[] | undefined;
  readonly maxBitsPerCell: number;
  /** Crossbar rows per tile (for the count of column sums behind E|s|). */
  readonly rows: number;
}

/**
 * Chooses the weight slicing of one layer: the fewest slices whose ε ≤ budget, ties to the lower ε,
 * then the lower Σ_i E|s_i|, then candidate order; none meets it → [1×8], flagged saturating.
 */
export function selectSlicing(layer: RaellaLayer, vectors: LayerVectors, options: SliceSelectionOptions): SliceSelection {
  checkLayer(layer, options.layout);
  const reference = norm(exactOutputs(layer, vectors));
  const ranges = new RangeErrors(layer, vectors.count, options.maxBitsPerCell, options.adcBits);
  forEachTileRow(layer, vectors, options.layout.rows, signedPlaneColumns(layer, options.layout), [ranges]);
  return rankSlicings(ranges, reference, { ...options, rows: options.layout.rows });
}

/** Ranks every candidate slicing from the per-range errors; `reference` is ‖y‖ of the exact outputs. */
export function rankSlicings(ranges: RangeErrors, reference: number, options: RankingOptions): SliceSelection {
  const { layer, vectorCount } = ranges;
  const candidates = weightSlicings(options.maxBitsPerCell, WEIGHT_BITS);
  const sumsPerRange =
    vectorCount * inputPasses(layer) * INPUT_BITS * rowTileCount(layer.depth, options.rows) * layer.outChannels;
  const outputs = vectorCount * layer.outChannels;
  const gram = errorGram(ranges, outputs);
  const evaluated = candidates.map((slicing, index) => {
    const indices = bitSlices(slicing).map((s) => distinctSliceIndex(s, options.maxBitsPerCell));
    const meanAbsSum = indices.reduce((acc, i) => acc + ranges.absTotals[i]! / Math.max(1, sumsPerRange), 0);
    // ‖Σ_{i∈σ} E_i‖² = Σ_{i,i'∈σ} ⟨E_i, E_i'⟩.
    let squares = 0;
    for (const i of indices) for (const j of indices) squares += gram[i * ranges.ranges.length + j]!;
    const e = squares <= 0 ? 0 : reference === 0 ? Infinity : Math.sqrt(squares) / reference;
    return { slicing, error: e, meanAbsSum, index };
  });
  // Not `a.error − b.error`: two infinite errors would compare as NaN.
  const order = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);
  evaluated.sort(
    (a, b) =>
      a.slicing.length - b.slicing.length || order(a.error, b.error) || order(a.meanAbsSum, b.meanAbsSum) || a.index - b.index,
  );
  const choose = (budget: number): SlicingChoice => {
    const met = evaluated.find((c) => c.error <= budget);
    if (met !== undefined) return { budget, slicing: [...met.slicing], error: met.error, saturating: false };
    const fallback = evaluated.find((c) => c.slicing.length === WEIGHT_BITS)!;
    return { budget, slicing: [...fallback.slicing], error: fallback.error, saturating: true };
  };
  return {
    choice: choose(options.budget),
    reported: (options.reportBudgets ?? []).map(choose),
    candidates: evaluated.map(({ slicing, error: e, meanAbsSum }) => ({ slicing, error: e, meanAbsSum })),
  };
}

import { PimcError } from '@pimc/support';
import { INPUT_BITS, sliceShifts, sliceValue, WEIGHT_BITS } from './slicings.js';

/*
 * Center+Offset (algorithms.md §3.2). A weight column (one output channel inside one crossbar row
 * tile) gets a center c; the cells store the offsets o = w − c in sign-magnitude, every slice
 * carrying the weight's sign: a_{k,i} = sign(o_k)·slice_i(|o_k|). Weights here are int8 (the IR's),
 * the spec's u8 weights are w + 128; centers shift the same way and J(c) does not see the shift.
 */

export type CenterMode = 'optimal' | 'mean' | 'median';
export const CENTER_MODES: readonly CenterMode[] = ['optimal', 'mean', 'median'];

export interface CenterOptions {
  readonly mode: CenterMode;
  /** 8: any integer center; 4: multiples of 16 (4-bit center-buffer entries, ambiguity A-R3). */
  readonly centerBits: 8 | 4;
}

/** Probability that an input bit is 1: one number for every row, or one per row. */
export type BitProbability = number | ArrayLike<number>;

/** Fallback bit probability for 1-bit input slices: the artifact's AVERAGE_INPUT_VALUE [artifact]. */
export const DEFAULT_BIT_PROBABILITY = 0.13;

/** Largest offset magnitude: |w − c| ≤ 255 for int8 weights and centers (8-bit magnitudes). */
export const MAX_OFFSET = 255;
const OFFSETS = 2 * MAX_OFFSET + 1;

/** The int8 range of centers; 4-bit centers are the multiples of 16 in it. */
const CENTER_MIN = -128;
const CENTER_MAX = 127;
const COARSE_STEP = 16;

/**
 * Signed slice values of every offset d ∈ [−255, 255] for one slicing: `values[(d + 255)·n + i]` =
 * sign(d)·slice_i(|d|), and `squares[d + 255]` = Σ_i that². Tables, because a layer has millions of
 * weights but only 511 offsets exist.
 */
export interface SignedSliceTable {
  readonly slices: number;
  readonly values: Int16Array;
  readonly squares: Float64Array;
}

export function signedSliceTable(slicing: readonly number[]): SignedSliceTable {
  const n = slicing.length;
  const shifts = sliceShifts(slicing, WEIGHT_BITS);
  const values = new Int16Array(OFFSETS * n);
  const squares = new Float64Array(OFFSETS);
  for (let d = -MAX_OFFSET; d <= MAX_OFFSET; d++) {
    const at = d + MAX_OFFSET;
    const sign = d < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) {
      const a = sign * sliceValue(Math.abs(d), shifts[i]!, slicing[i]!);
      values[at * n + i] = a;
      squares[at] = squares[at]! + a * a;
    }
  }
  return { slices: n, values, squares };
}

function bitProbabilityAt(p: BitProbability, k: number): number {
  return typeof p === 'number' ? p : p[k]!;
}

/**
 * J(c) = Σ_i E[s_i²] with E[s_i²] = Σ_k p_k(1 − p_k)·a_{k,i}² + (Σ_k p_k·a_{k,i})², the expected
 * squared column sum of every slice under independent input bits (§3.2), computed directly in
 * O(K·n): the reference the fast search is tested against.
 */
export function centerObjective(
  weights: ArrayLike<number>,
  p: BitProbability,
  slicing: readonly number[],
  center: number,
): number {
  const table = signedSliceTable(slicing);
  const n = table.slices;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let variance = 0;
    let mean = 0;
    for (let k = 0; k < weights.length; k++) {
      const a = table.values[(offsetOf(weights[k]!, center) + MAX_OFFSET) * n + i]!;
      const pk = bitProbabilityAt(p, k);
      variance += pk * (1 - pk) * a * a;
      mean += pk * a;
    }
    total += variance + mean * mean;
  }
  return total;
}

function offsetOf(w: number, c: number): number {
  const d = w - c;
  if (d < -MAX_OFFSET || d > MAX_OFFSET) {
    throw new PimcError('internal', `offset ${w} − ${c} = ${d} does not fit an 8-bit magnitude`);
  }
  return d;
}

/**
 * Center search for one slicing, reused across the columns of a layer. Rows are grouped by weight
 * value (Σ p(1 − p) and Σ p per distinct value), so a candidate costs O(distinct values · |σ|)
 * instead of O(K · |σ|).
 */
export class CenterSearch {
  private readonly table: SignedSliceTable;
  /** Per weight value w + 128: Σ p(1 − p), Σ p and the row count of the current column. */
  private readonly spread = new Float64Array(256);
  private readonly active = new Float64Array(256);
  private readonly rows = new Int32Array(256);
  private readonly distinct = new Int32Array(256);
  private readonly linear: Float64Array;

  constructor(
    readonly slicing: readonly number[],
    readonly options: CenterOptions,
  ) {
    if (options.centerBits !== 8 && options.centerBits !== 4) {
      throw new PimcError('pipeline', `centerBits must be 8 or 4, got ${String(options.centerBits)}`);
    }
    if (!CENTER_MODES.includes(options.mode)) {
      throw new PimcError('pipeline', `center mode '${String(options.mode)}' is not one of ${CENTER_MODES.join(', ')}`);
    }
    this.table = signedSliceTable(slicing);
    this.linear = new Float64Array(this.table.slices);
  }

  /**
   * The center of the column `weights[from … to)` (int8 values) with bit probabilities `p` (a number,
   * or per row indexed `p[pOffset + k − from]`).
   */
  choose(weights: ArrayLike<number>, from: number, to: number, p: BitProbability, pOffset = 0): number {
    if (to <= from) throw new PimcError('internal', 'a weight column needs at least one row');
    let count = 0;
    let sum = 0;
    let lo = 127;
    let hi = -128;
    for (let k = from; k < to; k++) {
      const w = weights[k]!;
      if (!Number.isInteger(w) || w < -128 || w > 127) throw new PimcError('internal', `weight ${w} is not an int8 value`);
      const v = w + 128;
      const pk = typeof p === 'number' ? p : p[pOffset + k - from]!;
      if (this.rows[v] === 0) this.distinct[count++] = v;
      this.rows[v] = this.rows[v]! + 1;
      this.spread[v] = this.spread[v]! + pk * (1 - pk);
      this.active[v] = this.active[v]! + pk;
      sum += w;
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    const mean = sum / (to - from);
    const center =
      this.options.mode === 'optimal' ? this.optimal(count, lo, hi, mean) : this.coarse(this.statistic(count, to - from, mean));
    for (let i = 0; i < count; i++) {
      const v = this.distinct[i]!;
      this.rows[v] = 0;
      this.spread[v] = 0;
      this.active[v] = 0;
    }
    return center;
  }

  /** J(c) of the current column from its per-value groups. */
  private objective(count: number, c: number): number {
    const { values, squares, slices: n } = this.table;
    if (n > 4) return this.objectiveAnyWidth(count, c);
    // Up to four slices in locals: this loop runs for every candidate of every column of a model.
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let l3 = 0;
    let quadratic = 0;
    for (let j = 0; j < count; j++) {
      const v = this.distinct[j]!;
      const at = v - 128 - c + MAX_OFFSET;
      quadratic += this.spread[v]! * squares[at]!;
      const r = this.active[v]!;
      const base = at * n;
      l0 += r * values[base]!;
      if (n > 1) l1 += r * values[base + 1]!;
      if (n > 2) l2 += r * values[base + 2]!;
      if (n > 3) l3 += r * values[base + 3]!;
    }
    return quadratic + l0 * l0 + l1 * l1 + l2 * l2 + l3 * l3;
  }

  private objectiveAnyWidth(count: number, c: number): number {
    const { values, squares, slices: n } = this.table;
    const linear = this.linear;
    linear.fill(0);
    let quadratic = 0;
    for (let j = 0; j < count; j++) {
      const v = this.distinct[j]!;
      const at = v - 128 - c + MAX_OFFSET;
      quadratic += this.spread[v]! * squares[at]!;
      const r = this.active[v]!;
      const base = at * n;
      for (let i = 0; i < n; i++) linear[i] = linear[i]! + r * values[base + i]!;
    }
    let total = quadratic;
    for (let i = 0; i < n; i++) total += linear[i]! * linear[i]!;
    return total;
  }

  private optimal(count: number, lo: number, hi: number, mean: number): number {
    const candidates = this.candidates(lo, hi);
    let best = candidates[0]!;
    let bestJ = this.objective(count, best);
    for (let ci = 1; ci < candidates.length; ci++) {
      const c = candidates[ci]!;
      const j = this.objective(count, c);
      const tolerance = 1e-9 * Math.max(1, bestJ);
      if (j < bestJ - tolerance) {
        best = c;
        bestJ = j;
      } else if (j <= bestJ + tolerance) {
        // Equal objectives (within rounding of the grouped sums) go to the center closest to the mean weight.
        const [dc, db] = [Math.abs(c - mean), Math.abs(best - mean)];
        if (dc < db || (dc === db && c < best)) best = c;
        bestJ = Math.min(j, bestJ);
      }
    }
    return best;
  }

  /** Integers in [lo, hi]; with 4-bit centers the multiples of 16 there (or the two around it). */
  private candidates(lo: number, hi: number): number[] {
    if (this.options.centerBits === 8) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    const first = Math.ceil(lo / COARSE_STEP) * COARSE_STEP;
    const out: number[] = [];
    // `+ 0` turns the −0 of Math.ceil(−0.5)·16 into 0.
    for (let c = first; c <= hi; c += COARSE_STEP) out.push(c + 0);
    if (out.length > 0) return out;
    // No multiple of 16 inside the range: the ones just outside it (offsets still fit 8 bits).
    const below = Math.floor(lo / COARSE_STEP) * COARSE_STEP + 0;
    return [below, below + COARSE_STEP].filter((c) => c >= CENTER_MIN && c <= CENTER_MAX);
  }

  /** round(mean) or the lower median of the current column. */
  private statistic(count: number, rows: number, mean: number): number {
    if (this.options.mode === 'mean') return Math.round(mean);
    const target = Math.floor((rows - 1) / 2);
    const sorted = Array.from(this.distinct.subarray(0, count)).sort((a, b) => a - b);
    let seen = 0;
    for (const v of sorted) {
      seen += this.rows[v]!;
      if (seen > target) return v - 128;
    }
    return sorted[sorted.length - 1]! - 128;
  }

  /** A mean or median center on the 4-bit grid when asked (nearest multiple of 16 inside int8). */
  private coarse(c: number): number {
    if (this.options.centerBits === 8) return c;
    const snapped = Math.round(c / COARSE_STEP) * COARSE_STEP + 0;
    return Math.min(CENTER_MAX - (CENTER_MAX % COARSE_STEP), Math.max(CENTER_MIN, snapped));
  }
}

/** The center of one weight column: `new CenterSearch(slicing, options).choose(weights, 0, K, p)`. */
export function chooseCenter(
  weights: ArrayLike<number>,
  p: BitProbability,
  slicing: readonly number[],
  options: CenterOptions = { mode: 'optimal', centerBits: 8 },
): number {
  return new CenterSearch(slicing, options).choose(weights, 0, weights.length, p);
}

/** Row tiles of a dot product of `depth` rows on crossbars of `rows` rows. */
export function rowTileCount(depth: number, rows: number): number {
  if (!Number.isInteger(rows) || rows < 1) {
    throw new PimcError('pipeline', `crossbar rows must be a positive integer, got ${rows}`);
  }
  return Math.ceil(depth / rows);
}

export interface LayerCenterOptions extends CenterOptions {
  /** Crossbar rows per row tile; one center per (output channel, row tile). */
  readonly rows: number;
  /** The slicing J(c) is evaluated for. */
  readonly slicing: readonly number[];
  /**
   * Bit probabilities: a number, one per row (`depth` values, shared by the groups) or one per
   * group and row (`groups·depth` values, group-major).
   */
  readonly p: BitProbability;
  readonly groups?: number;
}

/**
 * Centers of a whole layer, W [M][depth] int8 row-major (channel m in group ⌊m/(M/g)⌋): an
 * Int16Array [M][rowTiles], channel-major, rowTiles = ⌈depth / rows⌉.
 */
export function layerCenters(
  weights: ArrayLike<number>,
  outChannels: number,
  depth: number,
  options: LayerCenterOptions,
): Int16Array {
  if (weights.length !== outChannels * depth) {
    throw new PimcError('internal', `layerCenters: ${weights.length} weights is not ${outChannels} channels × ${depth} rows`);
  }
  const groups = options.groups ?? 1;
  const perGroup = outChannels / groups;
  const p = options.p;
  if (typeof p !== 'number' && p.length !== depth && p.length !== groups * depth) {
    throw new PimcError(
      'internal',
      `layerCenters: ${p.length} bit probabilities fit neither ${depth} rows nor ${groups} groups of them`,
    );
  }
  const tiles = rowTileCount(depth, options.rows);
  const search = new CenterSearch(options.slicing, options);
  const centers = new Int16Array(outChannels * tiles);
  for (let m = 0; m < outChannels; m++) {
    const groupBase = typeof p !== 'number' && p.length !== depth ? Math.floor(m / perGroup) * depth : 0;
    for (let t = 0; t < tiles; t++) {
      const from = t * options.rows;
      const to = Math.min(depth, from + options.rows);
      centers[m * tiles + t] = search.choose(weights, m * depth + from, m * depth + to, p, groupBase + from);
    }
  }
  return centers;
}

/**
 * Per-row probability that an input bit is 1, estimated from `count` input vectors of `width` codes
 * (`codes[v·width + k]`): the mean over vectors and the 8 bit positions of |code|. Without vectors,
 * every row gets DEFAULT_BIT_PROBABILITY.
 */
export function inputBitProbabilities(codes: ArrayLike<number>, count: number, width: number): Float64Array {
  const p = new Float64Array(width);
  if (count === 0) return p.fill(DEFAULT_BIT_PROBABILITY);
  const ones = new Int32Array(256);
  for (let u = 0; u < 256; u++) for (let b = 0; b < INPUT_BITS; b++) ones[u] = ones[u]! + ((u >>> b) & 1);
  for (let v = 0; v < count; v++) {
    for (let k = 0; k < width; k++) p[k] = p[k]! + ones[Math.abs(codes[v * width + k]!) & 255]!;
  }
  for (let k = 0; k < width; k++) p[k] = p[k]! / (count * INPUT_BITS);
  return p;
}

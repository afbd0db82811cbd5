import { PimcError } from '@pimc/support';
import { MAX_OFFSET, rowTileCount, signedSliceTable } from './center.js';
import {
  centerOf,
  channelsPerGroup,
  checkLayer,
  inputPasses,
  passMagnitude,
  weightSums,
  type CenterLayout,
  type LayerVectors,
  type RaellaLayer,
} from './layer-data.js';
import { bitSlices, checkSlicing, INPUT_BITS, sliceShifts, WEIGHT_BITS } from './slicings.js';

/*
 * The compiler-side bit-exact model of one layer's crossbars on calibration vectors, written the
 * way the convention states it (loops over vector, group, pass, tile, channel, slice and input bit).
 * It is the reference: the fast bit-plane engine that slice selection and analysis run on is tested
 * against it, and it against the integer matmul.
 *
 * Per tile t, channel m, weight slice i and input bit b: s = Σ_{k∈t} bit_b(u_k)·a_{k,i}, converted
 * by a signed ADC of B bits, code = clip(s, −2^(B−1), 2^(B−1) − 1). The output is
 * y_PIM[m] = Σ_t c_{t,m}·Σ_{k∈t} x_k + Σ_pass ±Σ_t Σ_b Σ_i 2^(b + shift_i)·code − zp·Σ_k w_k.
 * With speculation (input slices τ, MSB first) a slice j's value v_k = (u_k >> lo_j) & (2^d_j − 1)
 * is converted once; a code at either end of the range fails and the slice is redone bit by bit.
 */

export interface CrossbarModelOptions {
  /** Weight slicing, MSB first. */
  readonly slicing: readonly number[];
  /** Signed ADC resolution; a large value (30) makes the model exact. */
  readonly adcBits: number;
  readonly layout: CenterLayout;
  /** Speculative input slices (e.g. [4, 2, 2]); absent: 1-bit input slices. */
  readonly speculation?: readonly number[];
}

export interface CrossbarModelResult {
  /** Crossbar outputs and the exact Σ(x − zp)·w, both [vector][channel]. */
  readonly yPim: Float64Array;
  readonly yExact: Float64Array;
  /** ADC conversions. */
  readonly conversions: number;
  /** Conversions whose column sum was clipped (with speculation: recovery conversions only). */
  readonly saturations: number;
  /** Speculative conversions, and those that failed (0 without speculation). */
  readonly speculativeConversions: number;
  readonly failures: number;
  /** Crossbar cycles per input vector (all passes). */
  readonly cyclesPerVector: number;
  /** Columns of the layer over all row tiles (channels × weight slices per tile). */
  readonly columns: number;
}

/** The signed ADC's code range for `bits` bits. */
export function adcRange(bits: number): { readonly min: number; readonly max: number } {
  if (!Number.isInteger(bits) || bits < 1 || bits > 40) {
    throw new PimcError('pipeline', `ADC bits must be an integer in [1, 40], got ${bits}`);
  }
  return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
}

export function simulateCrossbarLayer(
  layer: RaellaLayer,
  vectors: LayerVectors,
  options: CrossbarModelOptions,
): CrossbarModelResult {
  checkLayer(layer, options.layout);
  checkSlicing(options.slicing, WEIGHT_BITS, `layer ${layer.name} weight slicing`);
  if (options.speculation !== undefined) checkSlicing(options.speculation, INPUT_BITS, `layer ${layer.name} input speculation`);
  const { outChannels: M, depth, groups } = layer;
  const rows = options.layout.rows;
  const tiles = rowTileCount(depth, rows);
  const perGroup = channelsPerGroup(layer);
  const passes = inputPasses(layer);
  const n = options.slicing.length;
  const shifts = sliceShifts(options.slicing);
  const { min, max } = adcRange(options.adcBits);
  const table = signedSliceTable(options.slicing);
  const inputSlices = options.speculation === undefined ? undefined : bitSlices(options.speculation, INPUT_BITS);
  const sums = weightSums(layer);

  // a[(m·depth + k)·n + i]: the signed slice values the cells hold.
  const a = new Int16Array(M * depth * n);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < depth; k++) {
      const offset = layer.weights[m * depth + k]! - centerOf(options.layout, tiles, m, Math.floor(k / rows));
      for (let i = 0; i < n; i++) a[(m * depth + k) * n + i] = table.values[(offset + MAX_OFFSET) * n + i]!;
    }
  }

  const V = vectors.count;
  const yPim = new Float64Array(V * M);
  const yExact = new Float64Array(V * M);
  const u = new Int32Array(depth);
  let conversions = 0;
  let saturations = 0;
  let speculativeConversions = 0;
  let failures = 0;
  const clip = (s: number) => {
    if (s < min || s > max) {
      saturations++;
      return s < min ? min : max;
    }
    return s;
  };
  /** s = Σ_{k∈t} ((u_k >> lo) & mask)·a_{k,i} of channel m. */
  const columnSum = (m: number, t: number, i: number, lo: number, mask: number) => {
    let s = 0;
    for (let k = t * rows; k < Math.min(depth, (t + 1) * rows); k++) s += ((u[k]! >>> lo) & mask) * a[(m * depth + k) * n + i]!;
    return s;
  };

  for (let v = 0; v < V; v++) {
    for (let g = 0; g < groups; g++) {
      const x = vectors.codes.subarray((v * groups + g) * depth, (v * groups + g + 1) * depth);
      for (let m = g * perGroup; m < (g + 1) * perGroup; m++) {
        let exact = 0;
        let centerTerm = 0;
        for (let k = 0; k < depth; k++) {
          exact += (x[k]! - layer.zeroPoint) * layer.weights[m * depth + k]!;
          centerTerm += centerOf(options.layout, tiles, m, Math.floor(k / rows)) * x[k]!;
        }
        yExact[v * M + m] = exact;
        yPim[v * M + m] = centerTerm - layer.zeroPoint * sums[m]!;
      }
      for (let pass = 0; pass < passes; pass++) {
        const sign = pass === 0 ? 1 : -1;
        for (let k = 0; k < depth; k++) u[k] = passMagnitude(x[k]!, pass, layer.signedInputs);
        for (let m = g * perGroup; m < (g + 1) * perGroup; m++) {
          let total = 0;
          for (let t = 0; t < tiles; t++) {
            for (let i = 0; i < n; i++) {
              if (inputSlices === undefined) {
                for (let b = 0; b < INPUT_BITS; b++) {
                  conversions++;
                  total += 2 ** (b + shifts[i]!) * clip(columnSum(m, t, i, b, 1));
                }
                continue;
              }
              for (const { lo, width } of inputSlices) {
                conversions++;
                speculativeConversions++;
                const s = columnSum(m, t, i, lo, (1 << width) - 1);
                if (s > min && s < max) {
                  total += 2 ** (lo + shifts[i]!) * s;
                  continue;
                }
                failures++;
                for (let b = lo; b < lo + width; b++) {
                  conversions++;
                  total += 2 ** (b + shifts[i]!) * clip(columnSum(m, t, i, b, 1));
                }
              }
            }
          }
          yPim[v * M + m] = yPim[v * M + m]! + sign * total;
        }
      }
    }
  }
  const perPass = inputSlices === undefined ? INPUT_BITS : inputSlices.length + INPUT_BITS;
  return {
    yPim,
    yExact,
    conversions,
    saturations,
    speculativeConversions,
    failures,
    cyclesPerVector: passes * perPass,
    columns: M * tiles * n,
  };
}

import { stridesOf } from '@pimc/ir';
import { product } from './float.js';

/**
 * Index maps for sliding windows, one per kernel tap. Convolution, its transpose and pooling all
 * reduce to "for each tap, every source position p lands on target coordinate p·stride − pad +
 * tap·dilation when that is inside the target". Iterating tap-major with these maps keeps the
 * innermost loop a plain strided walk with no bounds checks, for any number of spatial axes.
 *
 * Positions are split into an outer part (all axes but the last, flattened) and the last axis:
 * `outer[q]` is the target offset of outer position q (−1 when any outer axis falls outside) and
 * positions `lo <= j < hi` of the last axis land on target coordinate `start + j·stride`.
 */
export interface TapMap {
  readonly outer: Int32Array;
  readonly start: number;
  readonly stride: number;
  readonly lo: number;
  readonly hi: number;
}

export interface WindowSpec {
  /** Source positions per axis (output size for Conv/pooling, input size for ConvTranspose). */
  readonly counts: readonly number[];
  /** Target size per axis (the other side of the window). */
  readonly limits: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
}

/**
 * One map per tap, taps in row-major kernel order (the order of a weight tensor's trailing axes).
 * `targetStrides` defaults to row-major over `limits`; the last axis is always addressed by
 * coordinate, so callers scale it themselves when they use other strides.
 */
export function tapMaps(spec: WindowSpec, targetStrides: readonly number[] = stridesOf(spec.limits)): TapMap[] {
  const r = spec.counts.length;
  const last = r - 1;
  const outerCounts = spec.counts.slice(0, last);
  const outerN = product(outerCounts);
  const taps = product(spec.kernel);
  const tap = new Array<number>(r).fill(0);
  const maps: TapMap[] = [];
  for (let t = 0; t < taps; t++) {
    const outer = new Int32Array(outerN);
    const index = new Array<number>(last).fill(0);
    for (let q = 0; q < outerN; q++) {
      let off = 0;
      for (let d = 0; d < last; d++) {
        const coord = index[d]! * spec.strides[d]! - spec.padsBegin[d]! + tap[d]! * spec.dilations[d]!;
        if (coord < 0 || coord >= spec.limits[d]!) {
          off = -1;
          break;
        }
        off += coord * targetStrides[d]!;
      }
      outer[q] = off;
      for (let d = last - 1; d >= 0; d--) {
        if (++index[d]! < outerCounts[d]!) break;
        index[d] = 0;
      }
    }
    const start = tap[last]! * spec.dilations[last]! - spec.padsBegin[last]!;
    const stride = spec.strides[last]!;
    const count = spec.counts[last]!;
    const lo = Math.min(count, Math.max(0, Math.ceil(-start / stride)));
    const hi = Math.max(lo, Math.min(count, Math.ceil((spec.limits[last]! - start) / stride)));
    maps.push({ outer, start, stride, lo, hi });
    for (let d = last; d >= 0; d--) {
      if (++tap[d]! < spec.kernel[d]!) break;
      tap[d] = 0;
    }
  }
  return maps;
}

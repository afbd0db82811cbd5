import type { Tensor, TypedArray } from '@pimc/ir';
import { formatShape } from '@pimc/ir';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** The conformance tolerance of the foundation issue: 1e-4 absolute plus 1e-3 relative. */
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-3 };

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbsError: number;
  readonly maxRelError: number;
  readonly mismatches: number;
  /** Human-readable reason when not ok. */
  readonly reason?: string;
}

/** Element-wise |actual - expected| ≤ atol + rtol·|expected|; NaN matches NaN; dtypes and shapes must agree. */
export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  if (actual.dtype !== expected.dtype) {
    return {
      ok: false,
      maxAbsError: Infinity,
      maxRelError: Infinity,
      mismatches: actual.size,
      reason: `dtype ${actual.dtype} vs expected ${expected.dtype}`,
    };
  }
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return {
      ok: false,
      maxAbsError: Infinity,
      maxRelError: Infinity,
      mismatches: actual.size,
      reason: `shape ${formatShape(actual.shape)} vs expected ${formatShape(expected.shape)}`,
    };
  }
  const a = actual.data as TypedArray;
  const e = expected.data as TypedArray;
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const diff = x === y ? 0 : Math.abs(x - y);
    if (!(diff <= tol.atol + tol.rtol * Math.abs(y))) {
      mismatches++;
      if (first < 0) first = i;
    }
    if (diff > maxAbs || Number.isNaN(diff)) maxAbs = Number.isNaN(diff) ? Infinity : diff;
    const rel = y === 0 ? (diff === 0 ? 0 : Infinity) : diff / Math.abs(y);
    if (rel > maxRel) maxRel = rel;
  }
  if (mismatches === 0) return { ok: true, maxAbsError: maxAbs, maxRelError: maxRel, mismatches };
  return {
    ok: false,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    mismatches,
    reason: `${mismatches} of ${a.length} elements differ (first at ${first}: ${a[first]} vs expected ${e[first]}; max abs error ${maxAbs.toExponential(3)})`,
  };
}

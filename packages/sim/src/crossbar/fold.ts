import type { PreparedMvm, PreparedTile } from './prepare.js';

/**
 * Whether every column sum of a slice whose values add up to `total` passes the ADC unchanged:
 * the sum is 0, or (lsb 1, no noise) `total` × the largest positive cell and × the largest negative
 * cell stay inside the ADC's code range.
 */
export function sliceFits(p: PreparedMvm, t: PreparedTile, total: number): boolean {
  if (total === 0) return true;
  return !p.noisy && p.instruction.adc.lsb === 1 && total * t.maxPositive <= p.adcMax && -total * t.maxNegative >= p.adcMin;
}

/**
 * Whether no column of a speculative slice whose values add up to `total` can fail: every sum
 * converts to a code strictly between the ADC's minimum and maximum, so every column keeps its
 * speculative code, which is the sum itself. A zero total gives sums of 0 (code 0, a failure only
 * when 0 is an end of the range, as for an unsigned ADC); otherwise lsb 1 and no noise, and the
 * bounds `total` × the largest positive (negative) cell stay strictly inside.
 */
export function speculationFits(p: PreparedMvm, t: PreparedTile, total: number): boolean {
  if (total === 0) return p.adcMin < 0 && p.adcMax > 0;
  return !p.noisy && p.instruction.adc.lsb === 1 && total * t.maxPositive < p.adcMax && -total * t.maxNegative > p.adcMin;
}

/** Input bits of slices that fit the ADC whatever the data (all rows at the slice's largest value): short tiles. */
export function foldableBits(p: PreparedMvm, t: PreparedTile): number {
  const slices = p.speculation ?? p.inputSlices;
  const fits = p.speculation === undefined ? sliceFits : speculationFits;
  const all = slices.every((s) => fits(p, t, t.tile.rowCount * s.mask));
  return all ? slices.reduce((m, s) => m | (s.mask << s.shift), 0) : 0;
}

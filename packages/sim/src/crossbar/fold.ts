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

/** Input bits of slices that fit the ADC whatever the data (all rows at the slice's largest value): short tiles. */
export function foldableBits(p: PreparedMvm, t: PreparedTile): number {
  const all = p.inputSlices.every((s) => sliceFits(p, t, t.tile.rowCount * s.mask));
  return all ? p.inputSlices.reduce((m, s) => m | (s.mask << s.shift), 0) : 0;
}

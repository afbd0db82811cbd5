import { bitplaneColumnSums, packInputBits, rowColumnSums } from './column-sums.js';
import { sliceFits, speculationFits } from './fold.js';
import type { MvmStats } from './mvm-stats.js';
import type { PreparedMvm, PreparedTile, Slice } from './prepare.js';
import type { MvmOptions, Scratch } from './run-mvm.js';

/*
 * Speculative input slicing (RAELLA, algorithms.md §3.4), the JavaScript reference. Per tile and
 * input pass, each speculative slice j (bits [lo, lo + d)) drives v_k = (u_k >> lo) & (2^d − 1) as
 * one pulse train and every used column is converted. A code strictly inside the ADC's range is
 * kept (code · lsb · 2^lo); a code at the minimum or the maximum fails, and the column is
 * recomputed bit by bit: d 1-bit cycles, each conversion clipped as usual, added with 2^b.
 */

/** One tile, one input pass: every speculative slice, and the recovery of the columns that failed. */
export function accumulateSpeculativeTile(
  p: PreparedMvm,
  t: PreparedTile,
  magnitudes: Int32Array,
  sign: number,
  partial: Float64Array,
  channelBase: number,
  options: MvmOptions,
  scratch: Scratch,
  stats: MvmStats,
): void {
  const { rowStart, rowCount, channelCount } = t.tile;
  const nw = p.weightSlices.length;
  const { lsb } = p.instruction.adc;
  const skip = options.skipExactSlices;
  const always = skip && scratch.alwaysFold.get(t)! !== 0;
  const useBitplanes = t.bitplanes !== undefined && !p.noisy && options.kernel !== 'rows';
  const sums = scratch.sums;
  const failed = scratch.failed;
  let foldMask = 0;
  for (const slice of p.speculation!) {
    let total = 0;
    if (!always) for (let r = 0; r < rowCount; r++) total += (magnitudes[rowStart + r]! >>> slice.shift) & slice.mask;
    if (always || (skip && speculationFits(p, t, total))) {
      // No sum can reach an end of the ADC's range: every column keeps its code, the sum itself.
      foldMask |= slice.mask << slice.shift;
      stats.columnSumsFolded += t.columns;
      continue;
    }
    stats.columnSumsComputed += t.columns;
    speculativeSums(t, magnitudes, slice, useBitplanes, scratch);
    let anyFailed = false;
    let col = 0;
    for (let ch = 0; ch < channelCount; ch++) {
      let acc = 0;
      for (let sl = 0; sl < nw; sl++, col++) {
        const code = Math.min(p.adcMax, Math.max(p.adcMin, Math.floor(sums[col]! / lsb + 0.5)));
        const fails = code === p.adcMin || code === p.adcMax;
        failed[col] = fails ? 1 : 0;
        if (fails) {
          anyFailed = true;
          stats.failedColumns++;
        } else {
          acc += code * 2 ** p.weightSlices[sl]!.shift;
        }
      }
      partial[channelBase + ch]! += sign * lsb * 2 ** slice.shift * acc;
    }
    if (anyFailed) recover(p, t, magnitudes, slice, sign, partial, channelBase, useBitplanes, skip, scratch, stats);
  }
  if (foldMask !== 0) {
    // Σ_rows (the folded bits of u) · stored: what the kept codes of those slices add up to.
    const stored = t.stored;
    for (let r = 0; r < rowCount; r++) {
      const xs = magnitudes[rowStart + r]! & foldMask;
      if (xs === 0) continue;
      const v = sign * xs;
      const base = r * channelCount;
      for (let ch = 0; ch < channelCount; ch++) partial[channelBase + ch]! += v * stored[base + ch]!;
    }
  }
}

/**
 * The slice's column sums into `scratch.sums`: with bit-planes, from the 1-bit sums of its bits
 * (s = Σ_b 2^(b − lo) · s_b, kept in `scratch.bitSums` for the recovery); else row by row.
 */
function speculativeSums(t: PreparedTile, magnitudes: Int32Array, slice: Slice, useBitplanes: boolean, scratch: Scratch): void {
  const { rowStart, rowCount } = t.tile;
  const sums = scratch.sums;
  if (useBitplanes) {
    sums.fill(0, 0, t.columns);
    for (let b = slice.shift; b < slice.shift + slice.width; b++) {
      const bitSums = scratch.bitSums[b]!;
      packInputBits(magnitudes, rowStart, rowCount, b, scratch.words);
      bitplaneColumnSums(scratch.words, t.bitplanes!(), t.columns, bitSums);
      const weight = 2 ** (b - slice.shift);
      for (let c = 0; c < t.columns; c++) sums[c]! += weight * bitSums[c]!;
    }
    return;
  }
  const values = scratch.values;
  for (let r = 0; r < rowCount; r++) values[r] = (magnitudes[rowStart + r]! >>> slice.shift) & slice.mask;
  columnSums(t, values, sums);
}

function columnSums(t: PreparedTile, values: Int32Array, out: Float64Array): void {
  const rowCount = t.tile.rowCount;
  if (t.noisyCells !== undefined) rowColumnSums(values, rowCount, t.noisyCells, t.columns, t.columns, out);
  else rowColumnSums(values, rowCount, t.cells(), t.cellStride, t.columns, out);
}

/** The failed columns of one slice, bit by bit: each 1-bit sum converted (clipped) and added with 2^b. */
function recover(
  p: PreparedMvm,
  t: PreparedTile,
  magnitudes: Int32Array,
  slice: Slice,
  sign: number,
  partial: Float64Array,
  channelBase: number,
  useBitplanes: boolean,
  skip: boolean,
  scratch: Scratch,
  stats: MvmStats,
): void {
  const { rowStart, rowCount, channelCount } = t.tile;
  const nw = p.weightSlices.length;
  const { lsb } = p.instruction.adc;
  const failed = scratch.failed;
  const values = scratch.values;
  for (let b = slice.shift; b < slice.shift + slice.width; b++) {
    let total = 0;
    for (let r = 0; r < rowCount; r++) total += values[r] = (magnitudes[rowStart + r]! >>> b) & 1;
    // The same rule as a non-speculative slice: a bit whose sums provably fit counts as folded.
    const fits = skip && sliceFits(p, t, total);
    let sums = scratch.bitSums[b]!;
    if (!useBitplanes) {
      sums = scratch.sums;
      columnSums(t, values, sums);
    }
    let col = 0;
    for (let ch = 0; ch < channelCount; ch++) {
      let acc = 0;
      for (let sl = 0; sl < nw; sl++, col++) {
        if (failed[col] === 0) continue;
        stats.recoveryConversions++;
        if (fits) stats.columnSumsFolded++;
        else stats.columnSumsComputed++;
        let code = Math.floor(sums[col]! / lsb + 0.5);
        if (code > p.adcMax || code < p.adcMin) {
          code = code > p.adcMax ? p.adcMax : p.adcMin;
          stats.saturated++;
          stats.recoverySaturations++;
        }
        acc += code * 2 ** p.weightSlices[sl]!.shift;
      }
      partial[channelBase + ch]! += sign * lsb * 2 ** b * acc;
    }
  }
}

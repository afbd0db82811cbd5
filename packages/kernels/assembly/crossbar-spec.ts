// Speculative input slicing (RAELLA, algorithms.md §3.4) on top of the exact product: for each
// speculative slice j (input bits [lo, lo + d)), every used column converts
// s = Σ_rows ((u >> lo) & (2^d − 1)) · cell once; a code strictly inside the ADC's range is the sum
// itself (lsb 1), so the product already holds it; a code at the minimum or the maximum fails and
// the column is recomputed with one 1-bit cycle per bit of the slice, each conversion clipped:
// Σ_b 2^b · clip(s_b), which differs from the product's Σ_b 2^b · s_b = 2^lo · s by the clipping
// corrections added here.
//
// The events need every column's speculative sum for every position (a failed column costs d
// recovery conversions), so they are computed for all columns: per position panel (NR positions),
// row range and input pass, the slice values of the range's rows become int16 panels, and the
// signed cells of each tile (int16 panels) multiply them with i32x4.dot_i16x8_s,
// MR columns × NR positions at a time; a vector compare finds the failed columns. Their 1-bit
// sums come from popcounts over the cells' and the inputs' bit-planes (crossbar-adc.ts).
//
// Folding follows the host's rule: a speculative slice whose Σ values × the largest positive
// (negative) cell stays strictly inside the range cannot fail (it counts as folded), and a
// recovery bit whose sums provably fit (as for a non-speculative slice) needs no correction. The
// non-zero screen clears whole lanes when even its bound proves that no slice of any tile fails.
import { panelBits, screen } from './crossbar-adc';
import { microkernel } from './crossbar-gemm';
import {
  D_ADC_MAX,
  D_ADC_MIN,
  D_CELL_BITS,
  D_K_PAIRS,
  D_RANGE_TABLE,
  D_RANGES,
  D_SCRATCH_BITS,
  D_SCRATCH_GATHER,
  D_SCRATCH_LANES,
  D_SCRATCH_SPEC,
  D_SIGNED_INPUT,
  D_SKIP_EXACT,
  D_SPEC_SLICE_TABLE,
  D_SPEC_SLICES,
  D_TILE_TABLE,
  D_WEIGHT_SHIFT_TABLE,
  D_WEIGHT_SLICES,
  MR,
  NR,
  R_ALWAYS_FOLD,
  R_FIRST_TILE,
  R_GROUP,
  R_ROW_COUNT,
  R_ROW_START,
  R_SCREEN_MAX,
  R_SLICE_COLUMNS,
  R_TILE_COUNT,
  R_WORDS,
  RANGE_WORDS,
  S_COMPUTED,
  S_FAILED,
  S_FOLDED,
  S_RECOVERY,
  S_RECOVERY_SATURATED,
  S_SATURATED,
  SPEC_ONES_BYTES,
  T_CELLS,
  T_CHANNEL_START,
  T_COLUMNS,
  T_MAX_NEGATIVE,
  T_MAX_POSITIVE,
  T_PLANES,
  T_POSITIVE,
  TILE_WORDS,
} from './crossbar-layout';

function field(d: usize, f: i32): i32 {
  return load<i32>(d + ((<usize>f) << 2));
}

function addStat(scratch: usize, slot: i32, value: f64): void {
  const at = scratch + ((<usize>slot) << 3);
  store<f64>(at, load<f64>(at) + value);
}

function tileAt(d: usize, ti: i32): usize {
  return <usize>field(d, D_TILE_TABLE) + ((<usize>(ti * TILE_WORDS)) << 2);
}

/**
 * Speculation and recovery for the `count` positions of one block and group `g` (the arguments as
 * for adcBlock): corrections into `acc`, statistics into the thread's scratch.
 */
export function specBlock(d: usize, g: i32, count: i32, x: usize, acc: usize, ldc: usize, scratch: usize): void {
  const kPairs = field(d, D_K_PAIRS);
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const passes = signed ? 2 : 1;
  const skip = field(d, D_SKIP_EXACT) != 0;
  const lanes = scratch + <usize>field(d, D_SCRATCH_LANES);
  const ranges = field(d, D_RANGES);
  for (let ri = 0; ri < ranges; ri++) {
    const range = <usize>field(d, D_RANGE_TABLE) + ((<usize>(ri * RANGE_WORDS)) << 2);
    if (field(range, R_GROUP) != g) continue;
    const sliceColumns = <f64>field(range, R_SLICE_COLUMNS);
    if (skip && field(range, R_ALWAYS_FOLD) != 0) {
      addStat(scratch, S_FOLDED, <f64>(count * passes) * sliceColumns);
      continue;
    }
    const rowStart = field(range, R_ROW_START);
    const rowCount = field(range, R_ROW_COUNT);
    const screenMax = field(range, R_SCREEN_MAX);
    const screened = skip && screenMax >= 0;
    const panels = (count + NR - 1) / NR;
    for (let q = 0; q < panels; q++) {
      const panel = x + <usize>q * <usize>kPairs * (NR * 4);
      const valid = min(NR, count - q * NR);
      if (screened) screen(panel, rowStart, rowCount, signed, lanes);
      for (let pass = 0; pass < passes; pass++) {
        // Lanes whose non-zero count proves that nothing fails are done; the others are computed.
        let need = 0;
        let cleared = 0;
        for (let i = 0; i < valid; i++) {
          if (screened && load<i32>(lanes + ((<usize>(pass * NR + i)) << 2)) <= screenMax) cleared++;
          else need |= 1 << i;
        }
        if (cleared != 0) addStat(scratch, S_FOLDED, <f64>cleared * sliceColumns);
        if (need == 0) continue;
        specPanel(d, range, panel, pass, need, acc + ((<usize>(q * NR)) << 2), ldc, scratch);
      }
    }
  }
}

/** One position panel, row range and pass: the `need` lanes' speculative sums, failures and recoveries. */
function specPanel(d: usize, range: usize, panel: usize, pass: i32, need: i32, acc: usize, ldc: usize, scratch: usize): void {
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const skip = field(d, D_SKIP_EXACT) != 0;
  const rowStart = field(range, R_ROW_START);
  const rowCount = field(range, R_ROW_COUNT);
  const words = field(range, R_WORDS);
  const planeBytes = (<usize>(words + 1)) << 3;
  const bits = scratch + <usize>field(d, D_SCRATCH_BITS);
  panelBits(panel, rowStart, rowCount, pass, signed, bits, planeBytes, scratch + <usize>field(d, D_SCRATCH_GATHER));

  // Set bits per lane and input bit: the slice totals that decide folding.
  const spec = scratch + <usize>field(d, D_SCRATCH_SPEC);
  const ones = spec;
  for (let i = 0; i < NR; i++) {
    if ((need & (1 << i)) == 0) continue;
    for (let b = 0; b < 8; b++) {
      const plane = bits + <usize>(i * 8 + b) * planeBytes;
      let count: i64 = 0;
      for (let w = 0; w < words; w++) count += popcnt<i64>(load<u64>(plane + ((<usize>w) << 3)));
      store<i32>(ones + ((<usize>(i * 8 + b)) << 2), <i32>count);
    }
  }
  const slices = field(d, D_SPEC_SLICES);
  const table = <usize>field(d, D_SPEC_SLICE_TABLE);
  const adcMin = field(d, D_ADC_MIN);
  const adcMax = field(d, D_ADC_MAX);
  const firstTile = field(range, R_FIRST_TILE);
  const lastTile = firstTile + field(range, R_TILE_COUNT);
  classify(d, need, slices, table, ones, firstTile, lastTile, adcMin, adcMax, skip, scratch);

  const pairs = (rowCount + 1) >> 1;
  const sums = spec + SPEC_ONES_BYTES;
  const values = sums + <usize>slices * (MR * NR * 4);
  slicePanels(panel, rowStart, rowCount, pass, signed, table, slices, values, pairs);
  const sliceBytes = (<usize>pairs) << 5;
  const minV = i32x4.splat(adcMin);
  const maxV = i32x4.splat(adcMax);
  const sign = pass == 0 ? 1 : -1;
  let failures = 0;
  let recoveries = 0;
  let computed = 0;
  let clipped = 0;
  const weightSlices = field(d, D_WEIGHT_SLICES);
  const weightShifts = <usize>field(d, D_WEIGHT_SHIFT_TABLE);
  // Two's-complement planes of the signed cells: one more than the cells' bits per column.
  const columnBytes = <usize>(field(d, D_CELL_BITS) + 1) * ((<usize>words) << 3);
  for (let ti = firstTile; ti < lastTile; ti++) {
    const tile = tileAt(d, ti);
    const columns = field(tile, T_COLUMNS);
    const cells = <usize>field(tile, T_CELLS);
    const cellPlanes = <usize>field(tile, T_POSITIVE);
    const planeCounts = <usize>field(tile, T_PLANES);
    const channelRows = acc + <usize>field(tile, T_CHANNEL_START) * ldc;
    // The tile's bounds for the recovery bits' fold rule.
    const maxPositive = <i64>field(tile, T_MAX_POSITIVE);
    const maxNegative = <i64>field(tile, T_MAX_NEGATIVE);
    for (let c0 = 0; c0 < columns; c0 += MR) {
      const weights = cells + <usize>(c0 / MR) * (<usize>pairs * (MR * 4));
      for (let j = 0; j < slices; j++) {
        sliceKernel(pairs, weights, values + <usize>j * sliceBytes, sums + <usize>j * (MR * NR * 4));
      }
      for (let j = 0; j < slices; j++) {
        const shift = load<i32>(table + ((<usize>j) << 3));
        const width = load<i32>(table + ((<usize>j) << 3), 4);
        const end = min(MR, columns - c0);
        for (let c = 0; c < end; c++) {
          const row = sums + <usize>(j * MR + c) * (NR * 4);
          const s0 = v128.load(row);
          const s1 = v128.load(row, 16);
          const f0 = v128.or(i32x4.le_s(s0, minV), i32x4.ge_s(s0, maxV));
          const f1 = v128.or(i32x4.le_s(s1, minV), i32x4.ge_s(s1, maxV));
          let failed = (i32x4.bitmask(f0) | (i32x4.bitmask(f1) << 4)) & need;
          if (failed == 0) continue;
          const n = popcnt<i32>(failed);
          failures += n;
          recoveries += n * width;
          const column = c0 + c;
          const channel = column / weightSlices;
          const place = load<i32>(weightShifts + ((<usize>(column - channel * weightSlices)) << 2));
          const planes = <i32>load<u8>(planeCounts + <usize>column);
          const columnPlanes = cellPlanes + <usize>column * columnBytes;
          const target = channelRows + <usize>channel * ldc;
          while (failed != 0) {
            const lane = ctz<i32>(failed);
            failed &= failed - 1;
            const counts = recover(
              load<i32>(row + ((<usize>lane) << 2)),
              shift,
              width,
              ones + ((<usize>(lane * 8)) << 2),
              bits + <usize>(lane * 8) * planeBytes,
              planeBytes,
              words,
              columnPlanes,
              planes,
              maxPositive,
              maxNegative,
              adcMin,
              adcMax,
              skip,
              target + ((<usize>lane) << 2),
              sign << place,
            );
            computed += counts & 0xffff;
            clipped += counts >>> 16;
          }
        }
      }
    }
  }
  if (failures != 0) {
    addStat(scratch, S_FAILED, <f64>failures);
    addStat(scratch, S_RECOVERY, <f64>recoveries);
    // Recovery conversions: computed (or, provably fitting, folded), and those that clipped.
    addStat(scratch, S_COMPUTED, <f64>computed);
    addStat(scratch, S_FOLDED, <f64>(recoveries - computed));
    addStat(scratch, S_SATURATED, <f64>clipped);
    addStat(scratch, S_RECOVERY_SATURATED, <f64>clipped);
  }
}

/**
 * Statistics of the speculative conversions of the `need` lanes: per lane, slice and tile, the
 * tile's columns are folded when the slice's Σ values bounds every sum strictly inside the range
 * (skipExactSlices), else computed.
 */
function classify(
  d: usize,
  need: i32,
  slices: i32,
  table: usize,
  ones: usize,
  firstTile: i32,
  lastTile: i32,
  adcMin: i32,
  adcMax: i32,
  skip: bool,
  scratch: usize,
): void {
  let folded: f64 = 0;
  let computed: f64 = 0;
  for (let i = 0; i < NR; i++) {
    if ((need & (1 << i)) == 0) continue;
    for (let j = 0; j < slices; j++) {
      const shift = load<i32>(table + ((<usize>j) << 3));
      const width = load<i32>(table + ((<usize>j) << 3), 4);
      let total: i64 = 0;
      for (let u = 0; u < width; u++) total += (<i64>load<i32>(ones + ((<usize>(i * 8 + shift + u)) << 2))) << u;
      for (let ti = firstTile; ti < lastTile; ti++) {
        const tile = tileAt(d, ti);
        const columns = <f64>field(tile, T_COLUMNS);
        const fits =
          total * <i64>field(tile, T_MAX_POSITIVE) < <i64>adcMax && -total * <i64>field(tile, T_MAX_NEGATIVE) > <i64>adcMin;
        if (skip && fits) folded += columns;
        else computed += columns;
      }
    }
  }
  addStat(scratch, S_FOLDED, folded);
  addStat(scratch, S_COMPUTED, computed);
}

/**
 * The pass's input magnitudes of rows [rowStart, rowStart + rowCount) of the panel, cut into each
 * speculative slice's values ((u >> shift) & (2^width − 1)), as `pairs` row pairs × NR lanes of
 * int16 pairs per slice (the layout sliceKernel reads), rows relative to the range.
 */
function slicePanels(
  panel: usize,
  rowStart: i32,
  rowCount: i32,
  pass: i32,
  signed: bool,
  table: usize,
  slices: i32,
  out: usize,
  pairs: i32,
): void {
  const odd = (rowStart & 1) != 0;
  const first = rowStart >> 1;
  const zero = i16x8.splat(0);
  const keepEven = i32x4.splat(0x0000ffff);
  const sliceBytes = (<usize>pairs) << 5;
  for (let kr = 0; kr < pairs; kr++) {
    const at = panel + ((<usize>(first + kr)) << 5);
    let v0 = v128.load(at);
    let v1 = v128.load(at, 16);
    if (odd) {
      // Rows (2kk + 1, 2kk + 2): the second halves of this pair and the first of the next.
      const n0 = v128.load(at, 32);
      const n1 = v128.load(at, 48);
      v0 = i16x8.shuffle(v0, n0, 1, 8, 3, 10, 5, 12, 7, 14);
      v1 = i16x8.shuffle(v1, n1, 1, 8, 3, 10, 5, 12, 7, 14);
    }
    if (2 * kr + 1 >= rowCount) {
      // The pair's second row lies past the range.
      v0 = v128.and(v0, keepEven);
      v1 = v128.and(v1, keepEven);
    }
    if (signed) {
      if (pass != 0) {
        v0 = i16x8.neg(v0);
        v1 = i16x8.neg(v1);
      }
      v0 = i16x8.max_s(v0, zero);
      v1 = i16x8.max_s(v1, zero);
    }
    for (let j = 0; j < slices; j++) {
      const shift = load<i32>(table + ((<usize>j) << 3));
      const width = load<i32>(table + ((<usize>j) << 3), 4);
      const top: i32 = (1 << width) - 1;
      const mask = i16x8.splat(<i16>top);
      const dst = out + <usize>j * sliceBytes + ((<usize>kr) << 5);
      v128.store(dst, v128.and(i16x8.shr_u(v0, shift), mask));
      v128.store(dst, v128.and(i16x8.shr_u(v1, shift), mask), 16);
    }
  }
}

/**
 * out[c][t] = Σ_kr cell pair of column c · value pair of position t, for MR columns (int16 pairs
 * at `w`) × NR positions (int16 pairs at `x`); rows NR·4 bytes apart.
 */
function sliceKernel(pairs: i32, w: usize, x: usize, out: usize): void {
  const zero = i32x4.splat(0);
  for (let r: usize = 0; r < <usize>(MR * NR * 4); r += 16) v128.store(out + r, zero);
  microkernel(pairs, w, x, out, NR * 4);
}

/**
 * Recovery of one failed column at one lane, whose speculative sum was `speculative`: per bit b of
 * the slice, the 1-bit sum, clipped; Σ_b 2^b · (clipped − sum), times `scale` (the pass's sign at
 * the weight slice's place value), into the accumulator at `target`. The bits above the lowest
 * come from popcounts of the lane's input bits (`laneBits`, planes `planeBytes` apart; set bits
 * per input bit at `ones`) against the column's `planes` two's-complement cell planes; the lowest
 * is the speculative sum minus theirs (s = Σ_u 2^u · s_(lo+u)). A bit whose sums provably fit
 * needs no correction (folded when skipping exact slices). Returns the computed conversions |
 * (clipped ones << 16).
 */
function recover(
  speculative: i32,
  shift: i32,
  width: i32,
  ones: usize,
  laneBits: usize,
  planeBytes: usize,
  words: i32,
  columnPlanes: usize,
  planes: i32,
  maxPositive: i64,
  maxNegative: i64,
  adcMin: i32,
  adcMax: i32,
  skip: bool,
  target: usize,
  scale: i32,
): i32 {
  const lowestNeeded = !(skip && bitFits(load<i32>(ones + ((<usize>shift) << 2)), maxPositive, maxNegative, adcMin, adcMax));
  let computed: i32 = 0;
  let clipped: i32 = 0;
  let correction: i32 = 0;
  let rest: i32 = 0;
  for (let u = 1; u < width; u++) {
    const b = shift + u;
    const fits = skip && bitFits(load<i32>(ones + ((<usize>b) << 2)), maxPositive, maxNegative, adcMin, adcMax);
    if (!fits) computed++;
    if (fits && !lowestNeeded) continue;
    const sum = columnBitSum(laneBits + <usize>b * planeBytes, columnPlanes, planes, words);
    rest += sum << u;
    const difference = min(max(sum, adcMin), adcMax) - sum;
    if (difference != 0) {
      clipped++;
      correction += difference << b;
    }
  }
  if (lowestNeeded) {
    computed++;
    const sum = speculative - rest;
    const difference = min(max(sum, adcMin), adcMax) - sum;
    if (difference != 0) {
      clipped++;
      correction += difference << shift;
    }
  }
  if (correction != 0) store<i32>(target, load<i32>(target) + scale * correction);
  return computed | (clipped << 16);
}

/** Whether every 1-bit sum over `total` set input bits provably fits the ADC (the non-speculative fold rule). */
function bitFits(total: i32, maxPositive: i64, maxNegative: i64, adcMin: i32, adcMax: i32): bool {
  return <i64>total * maxPositive <= <i64>adcMax && -(<i64>total) * maxNegative >= <i64>adcMin;
}

/**
 * Σ_k input_k · cell_k over one column whose cells are `planes` two's-complement bit-planes at
 * `cells` (rows `words` u64 long): Σ_(cb < top) 2^cb · popcount(input & plane cb) − 2^top ·
 * popcount(input & plane top), top = planes − 1.
 */
function columnBitSum(input: usize, cells: usize, planes: i32, words: i32): i32 {
  if (planes == 0) return 0;
  const top = planes - 1;
  if (words == 8) {
    // 512-row arrays (RAELLA): the input words stay in registers.
    const i0 = load<u64>(input);
    const i1 = load<u64>(input, 8);
    const i2 = load<u64>(input, 16);
    const i3 = load<u64>(input, 24);
    const i4 = load<u64>(input, 32);
    const i5 = load<u64>(input, 40);
    const i6 = load<u64>(input, 48);
    const i7 = load<u64>(input, 56);
    let sum: i64 = 0;
    for (let cb = 0; cb < planes; cb++) {
      const p = cells + ((<usize>cb) << 6);
      const count =
        popcnt<u64>(i0 & load<u64>(p)) +
        popcnt<u64>(i1 & load<u64>(p, 8)) +
        popcnt<u64>(i2 & load<u64>(p, 16)) +
        popcnt<u64>(i3 & load<u64>(p, 24)) +
        popcnt<u64>(i4 & load<u64>(p, 32)) +
        popcnt<u64>(i5 & load<u64>(p, 40)) +
        popcnt<u64>(i6 & load<u64>(p, 48)) +
        popcnt<u64>(i7 & load<u64>(p, 56));
      sum += cb == top ? -(<i64>(count << cb)) : <i64>(count << cb);
    }
    return <i32>sum;
  }
  const sum = bitSum(input, cells, words, top);
  return sum - (bitSum(input, cells + <usize>top * ((<usize>words) << 3), words, 1) << top);
}

/** Σ_cb 2^cb · popcount(input & cell plane cb) over one column's first `planes` planes (rows `words` u64 long). */
function bitSum(input: usize, cells: usize, words: i32, planes: i32): i32 {
  let sum: i32 = 0;
  for (let cb = 0; cb < planes; cb++) {
    let count: i32 = 0;
    for (let w = 0; w < words; w++) {
      count += <i32>popcnt<i64>(load<u64>(input + ((<usize>w) << 3)) & load<u64>(cells + ((<usize>w) << 3)));
    }
    sum += count << cb;
    cells += (<usize>words) << 3;
  }
  return sum;
}

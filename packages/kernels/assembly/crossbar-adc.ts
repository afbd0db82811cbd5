// The part of a crossbar layer the exact product (crossbar-gemm.ts) does not capture: column sums
// the ADC clips. The product adds every input slice's column sums as if the ADC passed them
// unchanged; here, for each position, row range, input pass and input slice whose sums might not
// fit (Σ slice values × the largest cell exceeds the ADC's range), the column sums are computed
// from bit-planes with popcount, clipped to the ADC's codes, and the difference (clipped − exact)
// is added to the accumulator with the slice's and the weight slice's place value. Slices that
// provably fit are folded: they are exactly what the product already added.
//
// Per (position, range, pass), a vectorized screen first counts the non-zero inputs of the rows:
// Σ slice values ≤ non-zero rows × the slice's largest value, so a count at most R_SCREEN_MAX
// folds every slice without looking at the bits.
import {
  D_ADC_MAX,
  D_ADC_MIN,
  D_CELL_BITS,
  D_INPUT_SLICE_TABLE,
  D_INPUT_SLICES,
  D_K_PAIRS,
  D_RANGE_TABLE,
  D_RANGES,
  D_SCRATCH_BITS,
  D_SCRATCH_GATHER,
  D_SCRATCH_LANES,
  D_SCRATCH_SUMS,
  D_SIGNED_INPUT,
  D_SKIP_EXACT,
  D_TILE_TABLE,
  D_WEIGHT_SHIFT_TABLE,
  D_WEIGHT_SLICES,
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
  S_FOLDED,
  S_SATURATED,
  T_ALWAYS_FOLD,
  T_CHANNEL_COUNT,
  T_CHANNEL_START,
  T_COLUMNS,
  T_MAX_NEGATIVE,
  T_MAX_POSITIVE,
  T_NEGATIVE,
  T_POSITIVE,
  TILE_WORDS,
} from './crossbar-layout';

function field(d: usize, f: i32): i32 {
  return load<i32>(d + ((<usize>f) << 2));
}

/**
 * Corrections for the `count` positions of one block and group `g`: `x` holds the block's
 * im2col panels, `acc` the accumulators (rows of `ldc` bytes, one per output channel of the
 * group), `scratch` the calling thread's scratch (statistics at its start).
 */
export function adcBlock(d: usize, g: i32, count: i32, x: usize, acc: usize, ldc: usize, scratch: usize): void {
  const kPairs = field(d, D_K_PAIRS);
  const signed = field(d, D_SIGNED_INPUT) != 0;
  const passes = signed ? 2 : 1;
  const skip = field(d, D_SKIP_EXACT) != 0;
  const lanes = scratch + <usize>field(d, D_SCRATCH_LANES);
  const bits = scratch + <usize>field(d, D_SCRATCH_BITS);
  const transpose = scratch + <usize>field(d, D_SCRATCH_GATHER);
  const ranges = field(d, D_RANGES);
  let folded: f64 = 0;
  let computed: f64 = 0;
  for (let ri = 0; ri < ranges; ri++) {
    const range = <usize>field(d, D_RANGE_TABLE) + ((<usize>(ri * RANGE_WORDS)) << 2);
    if (field(range, R_GROUP) != g) continue;
    const sliceColumns = <f64>field(range, R_SLICE_COLUMNS);
    if (skip && field(range, R_ALWAYS_FOLD) != 0) {
      folded += <f64>(count * passes) * sliceColumns;
      continue;
    }
    const rowStart = field(range, R_ROW_START);
    const rowCount = field(range, R_ROW_COUNT);
    const screenMax = field(range, R_SCREEN_MAX);
    // Input bit-planes of one lane: 8 bits × (words + 1) u64 (one spare word for odd row starts).
    const planeBytes = (<usize>(field(range, R_WORDS) + 1)) << 3;
    const panels = (count + NR - 1) / NR;
    for (let q = 0; q < panels; q++) {
      const panel = x + <usize>q * <usize>kPairs * (NR * 4);
      const valid = min(NR, count - q * NR);
      if (skip && screenMax >= 0) screen(panel, rowStart, rowCount, signed, lanes);
      for (let pass = 0; pass < passes; pass++) {
        // Lanes the screen cannot clear need their bits (all lanes when not folding).
        let need = 0;
        for (let i = 0; i < valid; i++) {
          if (skip && screenMax >= 0 && load<i32>(lanes + ((<usize>(pass * NR + i)) << 2)) <= screenMax) folded += sliceColumns;
          else need |= 1 << i;
        }
        if (need == 0) continue;
        panelBits(panel, rowStart, rowCount, pass, signed, bits, planeBytes, transpose);
        for (let i = 0; i < valid; i++) {
          if ((need & (1 << i)) == 0) continue;
          const column = acc + ((<usize>(q * NR + i)) << 2);
          const laneBits = bits + <usize>i * 8 * planeBytes;
          const converted = sliceWork(d, range, pass == 0 ? 1 : -1, column, ldc, scratch, skip, laneBits, planeBytes);
          computed += converted;
          folded += sliceColumns - converted;
        }
      }
    }
  }
  store<f64>(scratch + ((<usize>S_COMPUTED) << 3), load<f64>(scratch + ((<usize>S_COMPUTED) << 3)) + computed);
  store<f64>(scratch + ((<usize>S_FOLDED) << 3), load<f64>(scratch + ((<usize>S_FOLDED) << 3)) + folded);
}

/**
 * Non-zero inputs among rows [rowStart, rowStart + rowCount) of the panel's NR positions, per
 * pass (positive codes, then negative ones for signed inputs): i32 counts at out[pass·NR + i].
 */
export function screen(panel: usize, rowStart: i32, rowCount: i32, signed: bool, out: usize): void {
  const first = rowStart >> 1;
  const last = (rowStart + rowCount - 1) >> 1;
  // Lanes are (row 2kk, row 2kk + 1) pairs: the first and last pair may hold a row outside the range.
  const all = i32x4.splat(-1);
  const firstMask = (rowStart & 1) != 0 ? i32x4.splat(0xffff0000) : all;
  const lastMask = ((rowStart + rowCount) & 1) != 0 ? i32x4.splat(0x0000ffff) : all;
  const zero = i16x8.splat(0);
  let p0 = zero,
    p1 = zero,
    n0 = zero,
    n1 = zero;
  for (let kk = first; kk <= last; kk++) {
    let v0 = v128.load(panel + ((<usize>kk) << 5));
    let v1 = v128.load(panel + ((<usize>kk) << 5), 16);
    if (kk == first || kk == last) {
      const mask = v128.and(kk == first ? firstMask : all, kk == last ? lastMask : all);
      v0 = v128.and(v0, mask);
      v1 = v128.and(v1, mask);
    }
    if (signed) {
      p0 = i16x8.sub(p0, i16x8.gt_s(v0, zero));
      p1 = i16x8.sub(p1, i16x8.gt_s(v1, zero));
      n0 = i16x8.sub(n0, i16x8.lt_s(v0, zero));
      n1 = i16x8.sub(n1, i16x8.lt_s(v1, zero));
    } else {
      p0 = i16x8.sub(p0, i16x8.ne(v0, zero));
      p1 = i16x8.sub(p1, i16x8.ne(v1, zero));
    }
  }
  v128.store(out, i32x4.extadd_pairwise_i16x8_s(p0));
  v128.store(out, i32x4.extadd_pairwise_i16x8_s(p1), 16);
  v128.store(out, i32x4.extadd_pairwise_i16x8_s(n0), 32);
  v128.store(out, i32x4.extadd_pairwise_i16x8_s(n1), 48);
}

/**
 * The pass's input magnitudes (codes, or max(±x, 0) for signed inputs) of rows [rowStart,
 * rowStart + rowCount) of the panel's NR lanes as bit-planes: bit b of relative row r of lane i at
 * bit r mod 64 of u64 word ⌊r / 64⌋ of `bits + (i·8 + b)·planeBytes`. Sixteen rows at a time: the
 * eight (row 2kk, row 2kk + 1) byte pairs of each lane are gathered by an 8×8 transposition of
 * 16-bit lanes (three rounds of interleaving, fed in bit-reversed order so rows come out in
 * order and lane bitrev(v) in vector v), and i8x16.bitmask takes one bit of 16 rows at once.
 */
export function panelBits(
  panel: usize,
  rowStart: i32,
  rowCount: i32,
  pass: i32,
  signed: bool,
  bits: usize,
  planeBytes: usize,
  transpose: usize,
): void {
  memory.fill(bits, 0, <usize>NR * 8 * planeBytes);
  const first = rowStart >> 1;
  const last = (rowStart + rowCount - 1) >> 1;
  const all = i32x4.splat(-1);
  const firstMask = (rowStart & 1) != 0 ? i32x4.splat(0xffff0000) : all;
  const lastMask = ((rowStart + rowCount) & 1) != 0 ? i32x4.splat(0x0000ffff) : all;
  const zero = i16x8.splat(0);
  const a = transpose;
  const b = transpose + 128;
  for (let group = first; group <= last; group += 8) {
    for (let s = 0; s < 8; s++) {
      const kk = group + reverse3(s);
      let v = zero;
      if (kk <= last) {
        let v0 = v128.load(panel + ((<usize>kk) << 5));
        let v1 = v128.load(panel + ((<usize>kk) << 5), 16);
        if (kk == first || kk == last) {
          const mask = v128.and(kk == first ? firstMask : all, kk == last ? lastMask : all);
          v0 = v128.and(v0, mask);
          v1 = v128.and(v1, mask);
        }
        if (pass != 0) {
          v0 = i16x8.neg(v0);
          v1 = i16x8.neg(v1);
        }
        // Negative values saturate to 0, magnitudes up to 255 stay as they are.
        v = i8x16.narrow_i16x8_u(v0, v1);
      }
      v128.store(a + ((<usize>s) << 4), v);
    }
    interleave16(a, b);
    interleave16(b, a);
    interleave16(a, b);
    const chunk = (<usize>((group - first) >> 3)) << 1;
    for (let v = 0; v < NR; v++) {
      const lane = v128.load(b + ((<usize>v) << 4));
      const at = bits + <usize>reverse3(v) * 8 * planeBytes + chunk;
      store<u16>(at, i8x16.bitmask(i8x16.shl(lane, 7)));
      store<u16>(at + planeBytes, i8x16.bitmask(i8x16.shl(lane, 6)));
      store<u16>(at + 2 * planeBytes, i8x16.bitmask(i8x16.shl(lane, 5)));
      store<u16>(at + 3 * planeBytes, i8x16.bitmask(i8x16.shl(lane, 4)));
      store<u16>(at + 4 * planeBytes, i8x16.bitmask(i8x16.shl(lane, 3)));
      store<u16>(at + 5 * planeBytes, i8x16.bitmask(i8x16.shl(lane, 2)));
      store<u16>(at + 6 * planeBytes, i8x16.bitmask(i8x16.shl(lane, 1)));
      store<u16>(at + 7 * planeBytes, i8x16.bitmask(lane));
    }
  }
  // An odd first row: the planes start one row early (at a zeroed row); shift every plane down one.
  if ((rowStart & 1) != 0) {
    const words = (<usize>planeBytes) >> 3;
    for (let plane = bits; plane < bits + <usize>NR * 8 * planeBytes; plane += planeBytes) {
      for (let w: usize = 0; w < words; w++) {
        const next: u64 = w + 1 < words ? load<u64>(plane + ((w + 1) << 3)) : 0;
        store<u64>(plane + (w << 3), (load<u64>(plane + (w << 3)) >> 1) | (next << 63));
      }
    }
  }
}

/** The 3-bit bit reversal. */
function reverse3(i: i32): i32 {
  return ((i & 1) << 2) | (i & 2) | ((i & 4) >> 2);
}

/** One round of the 8×8 transposition: out[i] and out[i + 4] interleave the 16-bit lanes of in[2i] and in[2i + 1]. */
function interleave16(src: usize, out: usize): void {
  for (let i = 0; i < 4; i++) {
    const x = v128.load(src + ((<usize>(2 * i)) << 4));
    const y = v128.load(src + ((<usize>(2 * i + 1)) << 4));
    v128.store(out + ((<usize>i) << 4), i16x8.shuffle(x, y, 0, 8, 1, 9, 2, 10, 3, 11));
    v128.store(out + ((<usize>(i + 4)) << 4), i16x8.shuffle(x, y, 4, 12, 5, 13, 6, 14, 7, 15));
  }
}

/**
 * Every input slice of every tile of the range, given one lane's input bit-planes (`bits`, planes
 * `planeBytes` apart): folded when its column sums provably fit, else converted column by column
 * with the clipping corrections added to `column` (the position's accumulator in channel row 0;
 * rows `ldc` bytes apart), `sign` being the pass's. Returns the column sums converted; adds the
 * clipped ones to the statistics.
 */
function sliceWork(
  d: usize,
  range: usize,
  sign: i32,
  column: usize,
  ldc: usize,
  scratch: usize,
  skip: bool,
  bits: usize,
  planeBytes: usize,
): f64 {
  let computed: f64 = 0;
  let saturated: f64 = 0;
  const words = field(range, R_WORDS);
  const slices = field(d, D_INPUT_SLICES);
  const sliceTable = <usize>field(d, D_INPUT_SLICE_TABLE);
  const adcMin = field(d, D_ADC_MIN);
  const adcMax = field(d, D_ADC_MAX);
  const firstTile = field(range, R_FIRST_TILE);
  const tileCount = field(range, R_TILE_COUNT);
  const sums = scratch + <usize>field(d, D_SCRATCH_SUMS);
  for (let j = 0; j < slices; j++) {
    const shift = load<i32>(sliceTable + ((<usize>j) << 3));
    const width = load<i32>(sliceTable + ((<usize>j) << 3), 4);
    // Σ rows of the slice's values: Σ_u 2^u · (rows with bit shift + u set).
    let total: i64 = 0;
    for (let u = 0; u < width; u++) {
      const plane = bits + <usize>(shift + u) * planeBytes;
      let ones: i64 = 0;
      for (let w = 0; w < words; w++) ones += popcnt<i64>(load<u64>(plane + ((<usize>w) << 3)));
      total += ones << u;
    }
    for (let ti = firstTile; ti < firstTile + tileCount; ti++) {
      const tile = <usize>field(d, D_TILE_TABLE) + ((<usize>(ti * TILE_WORDS)) << 2);
      if (skip) {
        if (field(tile, T_ALWAYS_FOLD) != 0 || total == 0) continue;
        const high = total * <i64>field(tile, T_MAX_POSITIVE);
        const low = -total * <i64>field(tile, T_MAX_NEGATIVE);
        if (high <= <i64>adcMax && low >= <i64>adcMin) continue;
      }
      computed += <f64>field(tile, T_COLUMNS);
      const input = bits + <usize>shift * planeBytes;
      saturated += convert(d, tile, input, planeBytes, width, words, shift, sign, column, ldc, adcMin, adcMax, sums);
    }
  }
  const stat = scratch + ((<usize>S_SATURATED) << 3);
  store<f64>(stat, load<f64>(stat) + saturated);
  return computed;
}

/**
 * Column sums of one tile for one input slice (its bit-planes from `input`, `width` of them),
 * clipped to [adcMin, adcMax]; each channel's accumulator gets sign · 2^shift · Σ_weight slices
 * 2^wshift · (clipped − exact). Returns the clipped conversions.
 */
function convert(
  d: usize,
  tile: usize,
  input: usize,
  inputStride: usize,
  width: i32,
  words: i32,
  shift: i32,
  sign: i32,
  column: usize,
  ldc: usize,
  adcMin: i32,
  adcMax: i32,
  sums: usize,
): f64 {
  const cellBits = field(d, D_CELL_BITS);
  const weightSlices = field(d, D_WEIGHT_SLICES);
  const weightShifts = <usize>field(d, D_WEIGHT_SHIFT_TABLE);
  const channelCount = field(tile, T_CHANNEL_COUNT);
  const columns = field(tile, T_COLUMNS);
  const positive = <usize>field(tile, T_POSITIVE);
  const negative = <usize>field(tile, T_NEGATIVE);
  let inRange: bool;
  if (width == 1 && cellBits == 2 && words == 2 && negative == 0) {
    inRange = twoWordTwoBitSums(input, positive, columns, sums, adcMin, adcMax);
  } else if (width == 1 && cellBits == 2 && words == 1 && negative == 0) {
    inRange = oneWordTwoBitSums(input, positive, columns, sums, adcMin, adcMax);
  } else {
    columnSums(input, inputStride, positive, width, words, cellBits, columns, sums, false);
    if (negative != 0) columnSums(input, inputStride, negative, width, words, cellBits, columns, sums, true);
    inRange = false;
  }
  // Nothing clipped: the product already holds every sum exactly.
  if (inRange) return 0;
  // Some sum clipped: every column's correction (clipped − sum, mostly 0), without branches.
  let row = column + <usize>field(tile, T_CHANNEL_START) * ldc;
  let clipped: i32 = 0;
  let at = sums;
  for (let ch = 0; ch < channelCount; ch++) {
    let correction: i32 = 0;
    for (let sl = 0; sl < weightSlices; sl++) {
      const sum = load<i32>(at);
      at += 4;
      const difference = min(max(sum, adcMin), adcMax) - sum;
      clipped += <i32>(difference != 0);
      correction += difference << load<i32>(weightShifts + ((<usize>sl) << 2));
    }
    store<i32>(row, load<i32>(row) + sign * (correction << shift));
    row += ldc;
  }
  return <f64>clipped;
}

/**
 * sums[c] (+ or −)= Σ_b 2^b Σ_u 2^u popcount(input plane u & cell plane b of column c), c < columns:
 * every column's sum for one slice (cell planes [column][bit][word]).
 */
function columnSums(
  input: usize,
  inputStride: usize,
  cells: usize,
  width: i32,
  words: i32,
  cellBits: i32,
  columns: i32,
  sums: usize,
  subtract: bool,
): void {
  const planeBytes = (<usize>words) << 3;
  for (let c = 0; c < columns; c++) {
    let sum: i32 = 0;
    for (let b = 0; b < cellBits; b++) {
      let count: i32 = 0;
      for (let u = 0; u < width; u++) {
        const bits = input + <usize>u * inputStride;
        let ones: i32 = 0;
        for (let w = 0; w < words; w++) {
          ones += <i32>popcnt<i64>(load<u64>(bits + ((<usize>w) << 3)) & load<u64>(cells + ((<usize>w) << 3)));
        }
        count += ones << u;
      }
      sum += count << b;
      cells += planeBytes;
    }
    const at = sums + ((<usize>c) << 2);
    store<i32>(at, subtract ? load<i32>(at) - sum : sum);
  }
}

/**
 * columnSums for 1-bit slices, 2-bit single-ended cells and 65 to 128 rows (ISAAC's 128-row
 * tiles); true when every sum lies in [adcMin, adcMax] (the sign bits of the distances to the
 * bounds are or-ed together instead of branching per column).
 */
function twoWordTwoBitSums(input: usize, cells: usize, columns: i32, sums: usize, adcMin: i32, adcMax: i32): bool {
  const i0 = load<u64>(input);
  const i1 = load<u64>(input, 8);
  const end = sums + ((<usize>columns) << 2);
  let outside: i32 = 0;
  for (let at = sums; at < end; at += 4) {
    const low = popcnt<u64>(i0 & load<u64>(cells)) + popcnt<u64>(i1 & load<u64>(cells, 8));
    const high = popcnt<u64>(i0 & load<u64>(cells, 16)) + popcnt<u64>(i1 & load<u64>(cells, 24));
    const sum = <i32>(low + (high << 1));
    outside |= (adcMax - sum) | (sum - adcMin);
    store<i32>(at, sum);
    cells += 32;
  }
  return outside >= 0;
}

/** twoWordTwoBitSums for up to 64 rows. */
function oneWordTwoBitSums(input: usize, cells: usize, columns: i32, sums: usize, adcMin: i32, adcMax: i32): bool {
  const i0 = load<u64>(input);
  const end = sums + ((<usize>columns) << 2);
  let outside: i32 = 0;
  for (let at = sums; at < end; at += 4) {
    const sum = <i32>(popcnt<u64>(i0 & load<u64>(cells)) + (popcnt<u64>(i0 & load<u64>(cells, 8)) << 1));
    outside |= (adcMax - sum) | (sum - adcMin);
    store<i32>(at, sum);
    cells += 16;
  }
  return outside >= 0;
}

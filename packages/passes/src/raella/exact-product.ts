import { sgemm } from '@pimc/kernels';
import { PimcError } from '@pimc/support';

/** Bits of a float32 significand: every integer of magnitude below 2^24 is exact. */
const EXACT_BITS = 24;
/** Most columns per channel a layout handles (8 bit planes, up to 8 slices). */
const MAX_PER_CHANNEL = 16;

/**
 * The weight columns of one row tile, as codes and a table: row k of channel m holds code
 * `codes[k·channels + m]`, whose column values are `table[code·perChannel + q]` (small integers).
 * Signed bit planes have 511 codes (the offsets), offset-binary slices 256 (the weights).
 */
export interface CodedColumns {
  readonly codes: Int32Array;
  readonly table: Int32Array;
  readonly perChannel: number;
}

/**
 * Exact column sums of a row tile, several per float: the result of `PackedProduct`. Column q of a
 * channel is a bit field of its word: the word plus `wordBias` is a non-negative integer whose bits
 * [shift, shift + width) hold the sum plus 2^(width−1). Same layout for every channel.
 */
export class PackedSums {
  /** words[(r·channels + m)·wordsPerChannel + w]. */
  words = new Float32Array(0);
  count = 0;
  channels = 0;
  perChannel = 0;
  wordsPerChannel = 0;
  readonly wordBias = new Float64Array(MAX_PER_CHANNEL);
  /** Digits of word w: [wordStart[w], wordStart[w + 1]); digit d is column digitColumn[d]. */
  readonly wordStart = new Int32Array(MAX_PER_CHANNEL + 1);
  readonly digitColumn = new Int32Array(MAX_PER_CHANNEL);
  readonly digitShift = new Int32Array(MAX_PER_CHANNEL);
  readonly digitMask = new Int32Array(MAX_PER_CHANNEL);
  readonly digitHalf = new Int32Array(MAX_PER_CHANNEL);
  /** Columns whose sums are all 0 (no nonzero weight value in any channel). */
  deadColumns: number[] = [];
  private unpacked = new Int32Array(0);

  /** Writes the column sums of input row r into out[m·perChannel + q] for every channel m. */
  decodeRow(r: number, out: Float64Array): void {
    const { words, channels, perChannel, wordsPerChannel: wpc, wordStart, digitColumn, digitShift, digitMask, digitHalf } = this;
    if (this.unpacked.length < channels) this.unpacked = new Int32Array(channels);
    const u = this.unpacked;
    const base = r * channels * wpc;
    for (let w = 0; w < wpc; w++) {
      const bias = this.wordBias[w]!;
      // An exact integer in [0, 2^24): |0 is a lossless conversion.
      for (let m = 0; m < channels; m++) u[m] = (words[base + m * wpc + w]! + bias) | 0;
      for (let d = wordStart[w]!; d < wordStart[w + 1]!; d++) {
        const [column, shift, mask, half] = [digitColumn[d]!, digitShift[d]!, digitMask[d]!, digitHalf[d]!];
        for (let m = 0; m < channels; m++) out[m * perChannel + column] = ((u[m]! >>> shift) & mask) - half;
      }
    }
    for (const q of this.deadColumns) for (let m = 0; m < channels; m++) out[m * perChannel + q] = 0;
  }
}

/**
 * Exact integer products (0/1 input bits × small-integer weight columns) through the float32
 * `sgemm`. The sums of column q lie in [−b_q, b_q], b_q = max over channels of Σ_k |value|, so a
 * (2·b_q + 2)-wide bit field holds them; a channel's fields share floats up to 24 bits per word and
 * every partial sum stays an integer below 2^24, exact in float32. Dense bit planes (b ≈ 300 for 512
 * rows, 10 bits) pair up, sparse planes fill what is left and all-zero columns drop out, which cuts
 * the multiply to well under half. Scratch buffers are kept between calls (one instance per run).
 */
export class PackedProduct {
  private packedB = new Float32Array(0);
  private readonly result = new PackedSums();

  /**
   * The sums of the 0/1 rows a[r·depth … (r + 1)·depth) for r < rowsA: rows below `denseRows` by
   * one sgemm, the (sparse) rest by adding the weight rows of their set bits.
   */
  multiply(
    a: Float32Array,
    rowsA: number,
    denseRows: number,
    depth: number,
    columns: CodedColumns,
    channels: number,
  ): PackedSums {
    const { codes, table, perChannel } = columns;
    if (perChannel > MAX_PER_CHANNEL) {
      throw new PimcError('internal', `packed product: ${perChannel} columns per channel (at most ${MAX_PER_CHANNEL})`);
    }
    const sums = this.result;
    const fields = fieldBits(columnBounds(columns, depth, channels));
    const words = layout(fields, sums);
    Object.assign(sums, { count: rowsA, channels, perChannel, wordsPerChannel: words });
    sums.deadColumns = fields.flatMap((bits, q) => (bits === 0 ? [q] : []));
    const width = channels * words;
    if (rowsA === 0 || width === 0) return sums;
    // One packed value per (code, word): the code's column values shifted into their fields.
    const codesCount = table.length / perChannel;
    const packedTable = new Float64Array(codesCount * words);
    for (let code = 0; code < codesCount; code++) {
      for (let w = 0; w < words; w++) {
        let v = 0;
        for (let d = sums.wordStart[w]!; d < sums.wordStart[w + 1]!; d++) {
          v += table[code * perChannel + sums.digitColumn[d]!]! * 2 ** sums.digitShift[d]!;
        }
        packedTable[code * words + w] = v;
      }
    }
    if (this.packedB.length < depth * width) this.packedB = new Float32Array(depth * width);
    const pb = this.packedB;
    for (let k = 0; k < depth; k++) {
      for (let m = 0; m < channels; m++) {
        const from = codes[k * channels + m]! * words;
        const to = k * width + m * words;
        for (let w = 0; w < words; w++) pb[to + w] = packedTable[from + w]!;
      }
    }
    if (sums.words.length < rowsA * width) sums.words = new Float32Array(rowsA * width);
    const out = sums.words;
    if (denseRows > 0) sgemm(denseRows, width, depth, a, 0, pb, 0, out, 0);
    // Same integers in another order: every partial sum still stays below 2^23, so float32 is exact.
    for (let r = denseRows; r < rowsA; r++) {
      const row = r * width;
      out.fill(0, row, row + width);
      for (let k = 0; k < depth; k++) {
        if (a[r * depth + k] === 0) continue;
        const from = k * width;
        for (let j = 0; j < width; j++) out[row + j] = out[row + j]! + pb[from + j]!;
      }
    }
    return sums;
  }
}

/** b_q = max over channels of Σ_k |table[code_{k,m}][q]|: the largest |sum| column q can reach. */
function columnBounds(columns: CodedColumns, depth: number, channels: number): Float64Array {
  const { codes, table, perChannel } = columns;
  const perColumn = new Float64Array(channels * perChannel);
  for (let k = 0; k < depth; k++) {
    for (let m = 0; m < channels; m++) {
      const from = codes[k * channels + m]! * perChannel;
      const to = m * perChannel;
      for (let q = 0; q < perChannel; q++) {
        const v = table[from + q]!;
        perColumn[to + q] = perColumn[to + q]! + (v < 0 ? -v : v);
      }
    }
  }
  const bounds = new Float64Array(perChannel);
  for (let j = 0; j < perColumn.length; j++) bounds[j % perChannel] = Math.max(bounds[j % perChannel]!, perColumn[j]!);
  return bounds;
}

/** Field width per column: sums in [−b, b] plus 2^(width−1) must land in [0, 2^width); 0 for dead columns. */
function fieldBits(bounds: Float64Array): number[] {
  return Array.from(bounds, (b) => {
    if (b === 0) return 0;
    const bits = Math.ceil(Math.log2(2 * b + 2));
    if (bits > EXACT_BITS) throw new PimcError('internal', `exact product: column sums up to ${b} do not fit float32 exactly`);
    return bits;
  });
}

/**
 * Groups the live columns into words of at most 24 bits, widest first: each word takes the widest
 * columns left while they fit, then tops up with the narrowest. Fills the digit tables; returns the
 * word count.
 */
function layout(fields: readonly number[], sums: PackedSums): number {
  const order = fields
    .map((bits, q) => ({ bits, q }))
    .filter((f) => f.bits > 0)
    .sort((x, y) => y.bits - x.bits || x.q - y.q);
  let words = 0;
  let digits = 0;
  let front = 0;
  let back = order.length - 1;
  while (front <= back) {
    sums.wordStart[words] = digits;
    let used = 0;
    let bias = 0;
    const place = (f: { bits: number; q: number }) => {
      sums.digitColumn[digits] = f.q;
      sums.digitShift[digits] = used;
      sums.digitMask[digits] = 2 ** f.bits - 1;
      sums.digitHalf[digits++] = 2 ** (f.bits - 1);
      bias += 2 ** (f.bits - 1) * 2 ** used;
      used += f.bits;
    };
    place(order[front++]!);
    while (front <= back && used + order[front]!.bits <= EXACT_BITS) place(order[front++]!);
    while (back >= front && used + order[back]!.bits <= EXACT_BITS) place(order[back--]!);
    sums.wordBias[words++] = bias;
  }
  sums.wordStart[words] = digits;
  return words;
}

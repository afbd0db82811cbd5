import type { CrossbarImage } from '@pimc/isa';

/*
 * The inner loops of the crossbar: column sums `s[col] = Σ_rows v[row] · cell[row, col]` for one
 * input slice. Two formulations compute the same integers:
 *
 * - rows: for every row with a non-zero slice value, add v · (the row's cells) to the sums. Works
 *   for any slice width, signed cells and noisy (real) conductances; skips zero inputs.
 * - bit-planes: with 1-bit input slices, `s[col] = Σ_b 2^b · popcount(inputBits & plane_b[col])`
 *   over the cell bits b, rows packed 32 to a Uint32 word. This is the form a packed-bit (or
 *   WebAssembly popcnt/SIMD) kernel takes; differential cells subtract the negative plane's count.
 */

/** `out[c] = Σ_r values[r] · cells[r·stride + c]` for c < columns. */
export function rowColumnSums(
  values: Int32Array,
  rowCount: number,
  cells: Uint8Array | Int16Array | Float64Array,
  stride: number,
  columns: number,
  out: Float64Array,
): void {
  out.fill(0, 0, columns);
  for (let r = 0; r < rowCount; r++) {
    const v = values[r]!;
    if (v === 0) continue;
    const base = r * stride;
    for (let c = 0; c < columns; c++) out[c]! += v * cells[base + c]!;
  }
}

/** The cells of a tile as bit-planes: bit b of every cell of a column, rows packed 32 per word. */
export interface Bitplanes {
  /** Words per column and plane: ⌈rows / 32⌉. */
  readonly words: number;
  /** Cell bits (planes per column). */
  readonly bits: number;
  /** Positive (or only) plane: word w of bit b of column c at `(c·bits + b)·words + w`. */
  readonly positive: Uint32Array;
  /** Negative plane of differential cells; undefined when every negative level is 0. */
  readonly negative: Uint32Array | undefined;
}

/** Packs the top-left `rowCount × columns` cells of a crossbar image (levels below 2^bits) into bit-planes. */
export function packBitplanes(
  image: CrossbarImage,
  rowCount: number,
  columns: number,
  differential: boolean,
  bits: number,
): Bitplanes {
  const plane = image.rows * image.columns;
  const words = Math.ceil(rowCount / 32);
  const pack = (offset: number): { planes: Uint32Array; any: boolean } => {
    const out = new Uint32Array(columns * bits * words);
    let any = false;
    for (let r = 0; r < rowCount; r++) {
      const word = r >>> 5;
      const bit = 1 << (r & 31);
      const at = offset + r * image.columns;
      for (let c = 0; c < columns; c++) {
        const level = image.levels[at + c]!;
        if (level === 0) continue;
        any = true;
        for (let b = 0; b < bits; b++) if ((level >>> b) & 1) out[(c * bits + b) * words + word]! |= bit;
      }
    }
    return { planes: out, any };
  };
  const negative = differential ? pack(plane) : undefined;
  return { words, bits, positive: pack(0).planes, negative: negative?.any === true ? negative.planes : undefined };
}

/** Packs bit `shift` of each row's value into words (row r → word r/32, bit r%32). */
export function packInputBits(values: Int32Array, offset: number, rowCount: number, shift: number, out: Uint32Array): void {
  out.fill(0);
  for (let r = 0; r < rowCount; r++) {
    if ((values[offset + r]! >>> shift) & 1) out[r >>> 5]! |= 1 << (r & 31);
  }
}

/** Bits set in a 32-bit word (SWAR; JavaScript has no popcount instruction). */
export function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** `out[c] = Σ_b 2^b · popcount(input & plane_b[c])` (minus the negative plane's), c < columns. */
export function bitplaneColumnSums(input: Uint32Array, planes: Bitplanes, columns: number, out: Float64Array): void {
  const { words, bits, positive, negative } = planes;
  if (words === 4 && negative === undefined) {
    // 128-row crossbars (ISAAC): the input words stay in registers.
    const [i0, i1, i2, i3] = [input[0]!, input[1]!, input[2]!, input[3]!];
    for (let c = 0; c < columns; c++) {
      let sum = 0;
      for (let b = 0, at = c * bits * 4; b < bits; b++, at += 4) {
        const count =
          popcount32(i0 & positive[at]!) +
          popcount32(i1 & positive[at + 1]!) +
          popcount32(i2 & positive[at + 2]!) +
          popcount32(i3 & positive[at + 3]!);
        sum += count * (1 << b);
      }
      out[c] = sum;
    }
    return;
  }
  for (let c = 0; c < columns; c++) {
    let sum = 0;
    for (let b = 0; b < bits; b++) {
      const base = (c * bits + b) * words;
      let count = 0;
      for (let w = 0; w < words; w++) count += popcount32(input[w]! & positive[base + w]!);
      if (negative !== undefined) for (let w = 0; w < words; w++) count -= popcount32(input[w]! & negative[base + w]!);
      sum += count * (1 << b);
    }
    out[c] = sum;
  }
}

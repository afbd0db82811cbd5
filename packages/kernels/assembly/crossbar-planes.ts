// Cell bit-planes for the popcount column sums of crossbar-adc.ts: bit b of the level of every
// row of column c, rows packed 64 to a u64 word (row r at bit r mod 64 of word ⌊r / 64⌋), laid
// out [column][cell bit][word]. The levels come row-major, so this is a transposition: 16×16
// blocks of levels are transposed on SIMD lanes (four rounds of byte interleaving; feeding the
// rows in bit-reversed order makes the result come out in row order, column bitrev(v) in
// vector v), and i8x16.bitmask then takes one bit of 16 rows of a column at once.

/** The 4-bit bit reversal. */
function reverse4(i: i32): i32 {
  return ((i & 1) << 3) | ((i & 2) << 1) | ((i & 4) >> 1) | ((i & 8) >> 3);
}

/**
 * Packs the `rows` × `columns` levels at `levels` (row stride `stride` bytes; up to 15 bytes past
 * each row's last column are read, so the host pads the copy) into bit-planes of `cellBits` bits
 * at `dst`. `scratch` is 512 bytes.
 */
export function packCellPlanes(
  levels: usize,
  stride: i32,
  rows: i32,
  columns: i32,
  cellBits: i32,
  dst: usize,
  scratch: usize,
): void {
  const words = (rows + 63) >> 6;
  const planeBytes = (<usize>words) << 3;
  const columnBytes = <usize>cellBits * planeBytes;
  memory.fill(dst, 0, <usize>columns * columnBytes);
  const a = scratch;
  const b = scratch + 256;
  for (let r0 = 0; r0 < rows; r0 += 16) {
    for (let c0 = 0; c0 < columns; c0 += 16) {
      for (let i = 0; i < 16; i++) {
        const r = r0 + reverse4(i);
        v128.store(a + ((<usize>i) << 4), r < rows ? v128.load(levels + <usize>r * <usize>stride + <usize>c0) : i8x16.splat(0));
      }
      interleave(a, b);
      interleave(b, a);
      interleave(a, b);
      interleave(b, a);
      for (let v = 0; v < 16; v++) {
        const c = c0 + reverse4(v);
        if (c >= columns) continue;
        const column = v128.load(a + ((<usize>v) << 4));
        const at = dst + <usize>c * columnBytes + ((<usize>(r0 >> 4)) << 1);
        for (let bit = 0; bit < cellBits; bit++) {
          store<u16>(at + <usize>bit * planeBytes, i8x16.bitmask(i8x16.shl(column, 7 - bit)));
        }
      }
    }
  }
}

/** One round of the transposition: out[i] and out[i + 8] interleave the bytes of in[2i] and in[2i + 1]. */
function interleave(src: usize, out: usize): void {
  for (let i = 0; i < 8; i++) {
    const x = v128.load(src + ((<usize>(2 * i)) << 4));
    const y = v128.load(src + ((<usize>(2 * i + 1)) << 4));
    v128.store(out + ((<usize>i) << 4), i8x16.shuffle(x, y, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    v128.store(out + ((<usize>(i + 8)) << 4), i8x16.shuffle(x, y, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
  }
}

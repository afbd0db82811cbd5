// The lookup sums of a RAPIDNN lut-mvm (the simulator's lut/run-lut-mvm.ts holds the reference
// and the layout): for each class of output channels c (channels with the same table rows) and
// each position, the sum over the im2col rows k of table[rowBase[first(c)·K + k] + index], the
// index being the position's input cluster in row k. Positions come four to a quad: narrow, one
// i32 word per (quad, k) holds the four indices in its bytes; wide (kU = 256), two words of two
// 16-bit indices. The sums are exact: i64 accumulators of i32 entries, stored as f64 (below 2^53,
// as the depth check of prepare-lut.ts guarantees).
//
// Threads claim chunks (a block of quads × a block of classes) from the counter; consecutive
// chunks share a block of quads, so threads running together read the same im2col words. Each
// sum is one thread's loop over k in order, whichever chunk it falls in: results do not depend on
// the split.

/**
 * Sums of classes [0, classes) over quads [0, quads) into out[c·quads·4 + 4·quad + t] (f64):
 * `table` i32 entries, `rowBase` the [M][K] i32 row offsets into it, `firsts` the i32 first
 * channel of each class, `columns` the im2col index words.
 */
export function lutSumsChunks(
  counter: usize,
  table: usize,
  rowBase: usize,
  firsts: usize,
  classes: i32,
  classStep: i32,
  depth: i32,
  columns: usize,
  quads: i32,
  quadStep: i32,
  wide: i32,
  out: usize,
): void {
  const classChunks = (classes + classStep - 1) / classStep;
  const chunks = classChunks * ((quads + quadStep - 1) / quadStep);
  for (let i = atomic.add<i32>(counter, 1); i < chunks; i = atomic.add<i32>(counter, 1)) {
    const q0 = (i / classChunks) * quadStep;
    const q1 = min(quads, q0 + quadStep);
    const c0 = (i % classChunks) * classStep;
    const c1 = min(classes, c0 + classStep);
    for (let c = c0; c < c1; c++) {
      const rows = rowBase + ((<usize>load<i32>(firsts + ((<usize>c) << 2)) * <usize>depth) << 2);
      const sums = out + ((<usize>c * <usize>quads) << 5);
      if (wide != 0) sumWide(table, rows, depth, columns, q0, q1, sums);
      else sumNarrow(table, rows, depth, columns, q0, q1, sums);
    }
  }
}

/** The four sums of every quad in [q0, q1) for one row of table offsets (byte indices in lanes). */
function sumNarrow(table: usize, rows: usize, depth: i32, columns: usize, q0: i32, q1: i32, sums: usize): void {
  for (let quad = q0; quad < q1; quad++) {
    let a0: i64 = 0;
    let a1: i64 = 0;
    let a2: i64 = 0;
    let a3: i64 = 0;
    const words = columns + ((<usize>quad * <usize>depth) << 2);
    for (let k = 0; k < depth; k++) {
      const row = table + ((<usize>load<i32>(rows + ((<usize>k) << 2))) << 2);
      const v = load<u32>(words + ((<usize>k) << 2));
      a0 += <i64>load<i32>(row + ((<usize>(v & 0xff)) << 2));
      a1 += <i64>load<i32>(row + ((<usize>((v >> 8) & 0xff)) << 2));
      a2 += <i64>load<i32>(row + ((<usize>((v >> 16) & 0xff)) << 2));
      a3 += <i64>load<i32>(row + ((<usize>(v >> 24)) << 2));
    }
    const at = sums + ((<usize>quad) << 5);
    store<f64>(at, <f64>a0);
    store<f64>(at, <f64>a1, 8);
    store<f64>(at, <f64>a2, 16);
    store<f64>(at, <f64>a3, 24);
  }
}

/** sumNarrow for 16-bit lanes, two words per (quad, k). */
function sumWide(table: usize, rows: usize, depth: i32, columns: usize, q0: i32, q1: i32, sums: usize): void {
  for (let quad = q0; quad < q1; quad++) {
    let a0: i64 = 0;
    let a1: i64 = 0;
    let a2: i64 = 0;
    let a3: i64 = 0;
    const words = columns + ((<usize>quad * <usize>depth) << 3);
    for (let k = 0; k < depth; k++) {
      const row = table + ((<usize>load<i32>(rows + ((<usize>k) << 2))) << 2);
      const v = load<u32>(words + ((<usize>k) << 3));
      const u = load<u32>(words + ((<usize>k) << 3), 4);
      a0 += <i64>load<i32>(row + ((<usize>(v & 0xffff)) << 2));
      a1 += <i64>load<i32>(row + ((<usize>(v >> 16)) << 2));
      a2 += <i64>load<i32>(row + ((<usize>(u & 0xffff)) << 2));
      a3 += <i64>load<i32>(row + ((<usize>(u >> 16)) << 2));
    }
    const at = sums + ((<usize>quad) << 5);
    store<f64>(at, <f64>a0);
    store<f64>(at, <f64>a1, 8);
    store<f64>(at, <f64>a2, 16);
    store<f64>(at, <f64>a3, 24);
  }
}

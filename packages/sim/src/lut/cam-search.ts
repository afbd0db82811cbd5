import type { CamTable } from '@pimc/isa';

/** Above this many compared bits the search is a binary search; at or below, one table read. */
const TABLE_BITS_LIMIT = 16;

/**
 * A nearest-distance CAM search exactly as the program defines it (algorithms.md §2.3, program.ts
 * `CamTable`): the query key q (an integer already clamped to the signed `keyBits` range) and every
 * stored key are compared on their top `camBits` bits, `k >> (keyBits − camBits)`; the entry at the
 * smallest absolute difference wins and ties go to the lower entry. Returns the winner's value.
 *
 * The keys are sorted, so the nearest entry is at the first shifted key ≥ the shifted query or just
 * before it; among equal shifted keys the first one wins, so the candidate below is moved back to
 * the first entry of its run. With at most 2^16 distinct shifted queries every answer is worked out
 * once into a table (the activation CAM of a layer is searched once per output).
 */
export class CamSearch {
  /** The signed keyBits range a query is clamped to. */
  readonly keyMin: number;
  readonly keyMax: number;
  private readonly shift: number;
  private readonly shifted: Int32Array;
  /** Per entry, the first entry with the same shifted key. */
  private readonly runStart: Int32Array;
  private readonly values: Uint8Array;
  /** The value for every shifted query, offset by 2^(camBits−1); undefined above TABLE_BITS_LIMIT bits. */
  private readonly table: Uint8Array | undefined;
  private readonly tableOffset: number;

  constructor(cam: CamTable) {
    this.keyMin = -(2 ** (cam.keyBits - 1));
    this.keyMax = 2 ** (cam.keyBits - 1) - 1;
    this.shift = cam.keyBits - cam.camBits;
    this.values = cam.values;
    const n = cam.keys.length;
    this.shifted = new Int32Array(n);
    this.runStart = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.shifted[i] = cam.keys[i]! >> this.shift;
      this.runStart[i] = i > 0 && this.shifted[i] === this.shifted[i - 1] ? this.runStart[i - 1]! : i;
    }
    this.tableOffset = 2 ** (cam.camBits - 1);
    if (cam.camBits <= TABLE_BITS_LIMIT) {
      const table = new Uint8Array(2 * this.tableOffset);
      for (let s = 0; s < table.length; s++) table[s] = this.values[this.nearestEntry(s - this.tableOffset)]!;
      this.table = table;
    } else {
      this.table = undefined;
    }
  }

  /** The value the CAM returns for the integer key `q` (clamped here to the key range). */
  search(q: number): number {
    const key = q < this.keyMin ? this.keyMin : q > this.keyMax ? this.keyMax : q;
    const s = key >> this.shift;
    return this.table === undefined ? this.values[this.nearestEntry(s)]! : this.table[s + this.tableOffset]!;
  }

  /** The winning entry for a shifted query `s`. */
  nearestEntry(s: number): number {
    const keys = this.shifted;
    let lo = 0;
    let hi = keys.length;
    // First entry whose shifted key is ≥ s (keys.length when there is none).
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    if (lo === keys.length) return this.runStart[lo - 1]!;
    if (lo === 0) return 0;
    const below = lo - 1;
    // A tie goes to the lower entry: the first of the run below.
    return s - keys[below]! <= keys[lo]! - s ? this.runStart[below]! : lo;
  }
}

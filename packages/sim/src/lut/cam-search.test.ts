import type { CamEncode, CamTable } from '@pimc/isa';
import { Rng } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../run-program.js';
import { CamSearch } from './cam-search.js';
import { codebookOf, programOf, referenceCamSearch } from './rapidnn.testing.js';

/** A CAM whose entry i returns i, so a search's result names the winning entry. */
function cam(keys: readonly number[], keyBits = 16, camBits = keyBits): CamTable {
  return { keys: Int32Array.from(keys), values: Uint8Array.from(keys, (_, i) => i), keyBits, camBits };
}

describe('CamSearch: nearest key, ties to the lower entry', () => {
  it('an exact tie between two keys goes to the lower one', () => {
    const search = new CamSearch(cam([0, 10]));
    expect([4, 5, 6].map((q) => search.search(q))).toEqual([0, 0, 1]);
  });

  it('equal keys: the first entry of the run wins', () => {
    const search = new CamSearch(cam([0, 5, 5, 9]));
    expect([5, 6, 7, 8, 2, 3].map((q) => search.search(q))).toEqual([1, 1, 1, 3, 0, 1]);
  });

  it('queries below the lowest or above the highest key take the end entries', () => {
    const search = new CamSearch(cam([-100, 0, 100]));
    expect([-32768, -101, 101, 32767].map((q) => search.search(q))).toEqual([0, 0, 2, 2]);
  });

  it('clamps the query to the signed key range before comparing (no 32-bit wrap-around)', () => {
    const search = new CamSearch(cam([-128, 120, 127], 8));
    expect(search.keyMin).toBe(-128);
    expect(search.keyMax).toBe(127);
    expect([1000, 2 ** 40, -1000, -(2 ** 40), 2 ** 32].map((q) => search.search(q))).toEqual([2, 2, 0, 0, 2]);
  });

  it('compares only the top camBits (arithmetic shift of query and keys alike)', () => {
    // keyBits 8, camBits 4: keys 0, 15, 16 compare as 0, 0, 1.
    const search = new CamSearch(cam([0, 15, 16], 8, 4));
    expect(search.search(14)).toBe(0); // shifted 0: a tie between entries 0 and 1 at distance 0
    expect(search.search(15)).toBe(0);
    expect(search.search(16)).toBe(2);
    expect(search.search(31)).toBe(2);
    expect(search.search(-1)).toBe(0); // −1 >> 4 = −1: nearest 0
    expect(search.search(-17)).toBe(0);
    // With all 8 bits compared, 14 and 15 are nearer entry 1.
    expect(new CamSearch(cam([0, 15, 16], 8, 8)).search(14)).toBe(1);
  });

  it('equals the brute-force search on random tables, through the table and the binary search', () => {
    const rng = new Rng(31);
    for (let trial = 0; trial < 300; trial++) {
      const keyBits = rng.int(1, 24);
      const camBits = rng.int(1, keyBits);
      const lo = -(2 ** (keyBits - 1));
      const hi = 2 ** (keyBits - 1) - 1;
      const n = rng.int(1, 20);
      // Few distinct values, so equal keys and ties are common.
      const spread = rng.int(0, 2) === 0 ? 3 : hi - lo;
      const keys = Array.from({ length: n }, () => Math.max(lo, Math.min(hi, lo + rng.int(0, spread)))).sort((a, b) => a - b);
      const table: CamTable = {
        keys: Int32Array.from(keys),
        values: Uint8Array.from({ length: n }, () => rng.int(0, 255)),
        keyBits,
        camBits,
      };
      const search = new CamSearch(table);
      for (let k = 0; k < 40; k++) {
        const q = rng.int(0, 9) === 0 ? rng.int(-(2 ** 31), 2 ** 31 - 1) : rng.int(lo - 3, hi + 3);
        expect(search.search(q)).toBe(referenceCamSearch(table, q));
      }
    }
  });
});

describe('cam-encode', () => {
  function encode(values: readonly number[], keyScale: number, table: CamTable) {
    const instruction: CamEncode = { op: 'cam-encode', name: 'enc', input: 0, output: 1, keyScale, cam: table };
    const program = programOf(
      [
        { id: 0, name: 'x', type: 'f32', shape: [1, values.length] },
        { id: 1, name: 'y', type: 'u8', shape: [1, values.length], codebook: codebookOf(table.keys.length) },
      ],
      [instruction],
      [0],
      [1],
    );
    const run = runProgram(
      program,
      new Map([['x', { type: 'f32', shape: [1, values.length], data: Float32Array.from(values) }]]),
    );
    return { y: Array.from(run.outputs.get('y')!.data), events: run.events };
  }

  it('rounds x / keyScale half to even, clamps, and sends NaN to the lowest key', () => {
    // Keys 2, 3, 4 (entries 0, 1, 2) and the range ends: 2.5 → 2, 3.5 → 4, −∞ and NaN → −32768, +∞ → 32767.
    const table = cam([-32768, 2, 3, 4, 32767]);
    const { y } = encode([2.5, 3.5, 2.4, -Infinity, NaN, Infinity, 1e30], 1, table);
    expect(y).toEqual([1, 3, 1, 0, 0, 4, 4]);
  });

  it('divides by the key scale in double precision', () => {
    const { y } = encode([0.75, 0.25, -0.5], 0.25, cam([-2, 1, 3]));
    expect(y).toEqual([2, 1, 0]);
  });

  it('counts one CAM search (entries × compared bits) and one key conversion per element', () => {
    const { events } = encode([1, 2, 3, 4, 5], 1, cam([0, 4, 8], 16, 6));
    expect(events.camSearches).toEqual({ '3x6': 5 });
    expect(events.digitalMACs).toEqual({ 32: 5 });
    expect(events.bufReads?.edram).toBe(1);
    expect(events.bufWrites?.edram).toBe(1);
  });
});

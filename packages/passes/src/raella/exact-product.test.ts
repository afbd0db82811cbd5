import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { PackedProduct } from './exact-product.js';

function naive(
  a: Float32Array,
  rows: number,
  depth: number,
  codes: Int32Array,
  table: Int32Array,
  channels: number,
  q: number,
): Float64Array {
  const out = new Float64Array(rows * channels * q);
  for (let r = 0; r < rows; r++) {
    for (let m = 0; m < channels; m++) {
      for (let j = 0; j < q; j++) {
        let s = 0;
        for (let k = 0; k < depth; k++) s += a[r * depth + k]! * table[codes[k * channels + m]! * q + j]!;
        out[(r * channels + m) * q + j] = s;
      }
    }
  }
  return out;
}

describe('PackedProduct', () => {
  it('gives the exact integer column sums of 0/1 rows times small-integer columns', () => {
    const rng = new Rng(7);
    const product = new PackedProduct();
    for (let trial = 0; trial < 60; trial++) {
      const rows = rng.int(0, 40);
      const depth = rng.int(1, trial < 50 ? 80 : 600);
      const channels = rng.int(1, 9);
      const q = rng.int(1, 8);
      const codesCount = rng.int(1, 20);
      const spread = [1, 3, 15, 255][trial % 4]!;
      // Some columns all zero (dead), some sparse, some dense.
      const table = Int32Array.from({ length: codesCount * q }, (_, i) =>
        i % q === 0 ? 0 : rng.next() < 0.5 ? rng.int(-spread, spread) : 0,
      );
      const codes = Int32Array.from({ length: depth * channels }, () => rng.int(0, codesCount - 1));
      const a = Float32Array.from({ length: rows * depth }, () => (rng.next() < rng.next() ? 1 : 0));
      // Any split between the matrix product and the directly summed rows gives the same sums.
      const sums = product.multiply(a, rows, rng.int(0, rows), depth, { codes, table, perChannel: q }, channels);
      const expected = naive(a, rows, depth, codes, table, channels, q);
      const row = new Float64Array(channels * q).fill(NaN);
      for (let r = 0; r < rows; r++) {
        sums.decodeRow(r, row);
        expect(Array.from(row)).toEqual(Array.from(expected.subarray(r * channels * q, (r + 1) * channels * q)));
      }
      // Dense 1-bit columns of 512 rows pack two or three to a float.
      expect(sums.wordsPerChannel).toBeLessThanOrEqual(q);
    }
  });

  it('packs 8 dense signed bit planes of 512 rows into at most 4 floats per channel', () => {
    const rng = new Rng(8);
    const table = new Int32Array(511 * 8);
    for (let o = -255; o <= 255; o++) {
      for (let j = 0; j < 8; j++) table[(o + 255) * 8 + j] = Math.sign(o) * ((Math.abs(o) >>> j) & 1);
    }
    const codes = Int32Array.from({ length: 512 * 4 }, () => 255 + Math.round(rng.normal(0, 20)));
    const a = Float32Array.from({ length: 16 * 512 }, () => (rng.next() < 0.2 ? 1 : 0));
    const sums = new PackedProduct().multiply(a, 16, 12, 512, { codes, table, perChannel: 8 }, 4);
    expect(sums.wordsPerChannel).toBeLessThanOrEqual(4);
    const expected = naive(a, 16, 512, codes, table, 4, 8);
    const row = new Float64Array(32);
    for (let r = 0; r < 16; r++) {
      sums.decodeRow(r, row);
      expect(Array.from(row)).toEqual(Array.from(expected.subarray(r * 32, (r + 1) * 32)));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { isPimcError } from '@pimc/support';
import { adcSpec, cellTable, inputEncoding, sliceWidths, weightEncoding } from './encoding.js';

describe('slicing', () => {
  it('cuts bits MSB first, the narrower remainder on top', () => {
    expect(sliceWidths(8, 1)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(sliceWidths(8, 2)).toEqual([2, 2, 2, 2]);
    expect(sliceWidths(8, 3)).toEqual([2, 3, 3]);
    expect(sliceWidths(8, 4)).toEqual([4, 4]);
    expect(sliceWidths(8, 8)).toEqual([8]);
    expect(sliceWidths(8, 12)).toEqual([8]);
  });
});

describe('encodings from the chip', () => {
  it('isaac: offset binary in 2-bit cells, 1-bit input slices, 8-bit unsigned ADC', () => {
    const chip = getPreset('isaac');
    expect(weightEncoding(chip, undefined)).toEqual({ scheme: 'offset', offset: 128, slices: [2, 2, 2, 2] });
    expect(inputEncoding(chip, 3, false)).toEqual({ zeroPoint: 3, slices: [1, 1, 1, 1, 1, 1, 1, 1], bits: 8, signed: false });
    expect(adcSpec(chip)).toEqual({ bits: 8, signed: false, lsb: 1 });
  });

  it('raella: differential 4-bit cells, 4-bit DAC slices, 7-bit signed ADC', () => {
    const chip = getPreset('raella');
    expect(weightEncoding(chip, undefined)).toEqual({ scheme: 'differential', offset: 0, slices: [4, 4] });
    expect(inputEncoding(chip, -2, true).slices).toEqual([4, 4]);
    expect(adcSpec(chip, 4)).toEqual({ bits: 7, signed: true, lsb: 4 });
  });

  it('differential weights need 2T2R cells', () => {
    try {
      weightEncoding(getPreset('isaac'), 'differential');
    } catch (e) {
      expect(isPimcError(e, 'invalid-chip')).toBe(true);
      expect((e as Error).message).toMatch(/need 2T2R cells.*single-ended/);
      return;
    }
    throw new Error('expected an error');
  });
});

describe('cell levels of a weight', () => {
  const cells = (table: ReturnType<typeof cellTable>, w: number) => {
    const at = (w + 128) * table.slices;
    return [
      Array.from(table.positive.subarray(at, at + table.slices)),
      Array.from(table.negative.subarray(at, at + table.slices)),
    ];
  };

  it('offset binary: w + 128 cut into slices (−1 → 127 = 01 11 11 11), negative plane empty', () => {
    const table = cellTable({ scheme: 'offset', offset: 128, slices: [2, 2, 2, 2] });
    expect(cells(table, -1)).toEqual([
      [1, 3, 3, 3],
      [0, 0, 0, 0],
    ]);
    expect(cells(table, -128)[0]).toEqual([0, 0, 0, 0]);
    expect(cells(table, 127)[0]).toEqual([3, 3, 3, 3]);
  });

  it('differential: |w| on the plane of its sign (−128 → magnitude 1000 0000 on the negative plane)', () => {
    const table = cellTable({ scheme: 'differential', offset: 0, slices: [4, 4] });
    expect(cells(table, -128)).toEqual([
      [0, 0],
      [8, 0],
    ]);
    expect(cells(table, 37)).toEqual([
      [2, 5],
      [0, 0],
    ]);
  });
});

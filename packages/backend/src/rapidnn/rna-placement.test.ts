import { describe, expect, it } from 'vitest';
import { getPreset, validateChip } from '@pimc/arch';
import { isPimcError } from '@pimc/support';
import { placeRnaBlocks } from './rna-placement.js';

const chip = getPreset('rapidnn');
const perChip = chip.tiles.count * Math.min(chip.tiles.lut!.count, chip.tiles.cam!.count);

describe('placeRnaBlocks', () => {
  it('shares every block of the chip in proportion to the lookups, at least one per layer', () => {
    const layers = [
      { name: 'a', neurons: 10_000, lookups: 10_000 * 27 },
      { name: 'b', neurons: 4000, lookups: 4000 * 288 },
      { name: 'c', neurons: 10, lookups: 10 * 500 },
    ];
    const blocks = placeRnaBlocks(layers, chip);
    const counts = blocks.map((b) => b.length);
    expect(counts.reduce((a, c) => a + c, 0)).toBe(perChip);
    const work = layers.reduce((a, l) => a + l.lookups, 0);
    layers.forEach((l, i) => expect(Math.abs(counts[i]! - (perChip * l.lookups) / work)).toBeLessThan(2));
    expect(counts[2]).toBeGreaterThanOrEqual(1);
    const slots = blocks.flat().map((b) => b.tile * 8 + b.block);
    expect(slots).toEqual(slots.map((_, i) => i));
  });

  it('gives no layer more blocks than neurons', () => {
    const blocks = placeRnaBlocks(
      [
        { name: 'a', neurons: 3, lookups: 3e6 },
        { name: 'b', neurons: 5000, lookups: 5000 },
      ],
      chip,
    );
    expect(blocks[0]).toHaveLength(3);
    expect(blocks[1]).toHaveLength(perChip - 3);
  });

  it('reuses blocks round-robin when the chip has fewer blocks than layers', () => {
    const tiny = validateChip({
      extends: 'rapidnn',
      name: 'rapidnn-1tile',
      tiles: { count: 1, lut: { count: 2 }, cam: { count: 2 } },
    });
    const blocks = placeRnaBlocks(
      Array.from({ length: 5 }, (_, i) => ({ name: `l${i}`, neurons: 10, lookups: 100 })),
      tiny,
    );
    expect(blocks.map((b) => b.map((x) => `${x.tile}/${x.block}`))).toEqual([['0/0'], ['0/1'], ['0/0'], ['0/1'], ['0/0']]);
  });

  it('refuses a chip without RNA blocks', () => {
    try {
      placeRnaBlocks([{ name: 'a', neurons: 1, lookups: 1 }], getPreset('isaac'));
    } catch (e) {
      expect(isPimcError(e, 'chip-mismatch')).toBe(true);
      return;
    }
    throw new Error('expected an error');
  });
});

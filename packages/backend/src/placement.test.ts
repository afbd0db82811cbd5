import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { isPimcError } from '@pimc/support';
import type { UnplacedCrossbar } from './lower-mvm.js';
import { placeCrossbars } from './placement.js';
import { chipLike } from './sim-bridge.testing.js';

function images(layers: readonly [string, number][]): UnplacedCrossbar[] {
  let id = 0;
  return layers.flatMap(([layer, n]) =>
    Array.from({ length: n }, () => ({ id: id++, rows: 128, columns: 128, levels: new Uint8Array(128 * 128), layer })),
  );
}

describe('placeCrossbars', () => {
  it('fills crossbars in order: index, then macro, then tile', () => {
    const placed = placeCrossbars(images([['a', 100]]), getPreset('isaac'));
    expect(placed.map((c) => [c.tile, c.macro, c.index]).slice(0, 2)).toEqual([
      [0, 0, 0],
      [0, 0, 1],
    ]);
    expect([placed[8]!.macro, placed[8]!.index]).toEqual([1, 0]);
    expect([placed[96]!.tile, placed[96]!.macro, placed[96]!.index]).toEqual([1, 0, 0]); // 12 macros × 8 per tile
  });

  it('starts each layer on a fresh macro when asked', () => {
    const placed = placeCrossbars(
      images([
        ['a', 3],
        ['b', 2],
      ]),
      getPreset('isaac'),
      { align: 'macro' },
    );
    expect(placed.map((c) => [c.macro, c.index])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
    ]);
  });

  it('names crossbars needed and available when the model does not fit', () => {
    const small = chipLike('isaac', 'isaac-1tile', { tiles: { count: 1 } });
    try {
      placeCrossbars(
        images([
          ['conv', 60],
          ['fc', 40],
        ]),
        small,
      );
    } catch (e) {
      expect(isPimcError(e, 'unsupported-model')).toBe(true);
      const err = e as Error & { notes: string[] };
      expect(err.message).toMatch(/needs 100 crossbars but chip 'isaac-1tile' has 96 \(1 tiles × 12 macros × 8 crossbars\)/);
      expect(err.notes.join('\n')).toMatch(/largest layers: conv 60, fc 40/);
      expect(err.notes.join('\n')).toMatch(/"extends": "isaac", "tiles": \{"count": 2\}/);
      return;
    }
    throw new Error('expected an error');
  });
});

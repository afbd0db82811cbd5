import { isPimcError } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { CHIP_SCHEMA, META_FIELDS } from './chip-schema.js';
import { SOURCE_TAGS, isPlaceholderSource } from './cost-constants.js';
import { DEFAULT_PRESET, getPreset, isPreset, listPresets } from './presets.js';
import { leafFields } from './schema.js';

const NAMES = ['isaac', 'raella', 'raella-no-spec', 'raella-no-spec-2b', 'rapidnn', 'isaac-puma-write'];

/** The value at a dotted path. */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

describe('presets', () => {
  it('lists every preset, the default first, and each validates', () => {
    expect(listPresets().map((p) => p.name)).toEqual(NAMES);
    expect(DEFAULT_PRESET).toBe('isaac');
    expect(getPreset().name).toBe('isaac');
    for (const name of NAMES) {
      expect(isPreset(name)).toBe(true);
      expect(getPreset(name).name).toBe(name);
    }
    expect(listPresets().find((p) => p.name === 'raella-no-spec-2b')?.extends).toBe('raella-no-spec');
  });

  it('an unknown preset is an error listing the presets', () => {
    try {
      getPreset('raela');
      expect.unreachable();
    } catch (e) {
      expect(isPimcError(e, 'invalid-chip')).toBe(true);
      if (!isPimcError(e)) throw e;
      expect(e.message).toBe("unknown chip preset 'raela'; did you mean 'raella'?");
      expect(e.notes[0]).toBe(`presets: ${NAMES.join(', ')}`);
    }
  });

  it('every hardware value of every preset has a source with a known tag', () => {
    for (const name of NAMES) {
      const chip = getPreset(name);
      for (const { path } of leafFields(CHIP_SCHEMA)) {
        if (META_FIELDS.includes(path) || path === 'cost.overrides' || at(chip, path) === undefined) continue;
        const source = chip.sources[path];
        expect(source, `${name}: ${path}`).toBeDefined();
        expect(
          SOURCE_TAGS.some((tag) => source.startsWith(tag)),
          `${name}: ${path}: ${source}`,
        ).toBe(true);
      }
      // No source points at a field the chip does not have.
      for (const path of Object.keys(chip.sources)) expect(at(chip, path), `${name}: stale source ${path}`).toBeDefined();
    }
  });

  it('isaac is the ISAAC geometry of the issue', () => {
    const c = getPreset('isaac');
    const m = c.tiles.macro;
    expect(m?.crossbar).toEqual({ count: 8, rows: 128, columns: 128, bitsPerCell: 2, cell: 'single-ended', cycleNs: 100 });
    expect(m?.dac).toEqual({ bits: 1, kind: 'level' });
    expect(m?.adc).toEqual({ bits: 8, signed: false, count: 8, per: 'macro', sampleRateGsps: 1.28 });
    expect(m?.count).toBe(12);
    expect(c.tiles.count).toBe(168);
    expect(c.tiles.edramBytes).toBe(64 * 1024);
    expect(m?.speculation).toBeUndefined();
    expect(c.write.model).toBe('per-cell');
  });

  it('raella follows the RAELLA artifact', () => {
    const m = getPreset('raella').tiles.macro;
    expect(m?.crossbar).toMatchObject({
      rows: 512,
      columns: 512,
      bitsPerCell: 4,
      cell: 'differential-2t2r',
      cycleNs: 100,
      count: 4,
    });
    expect(m?.dac).toEqual({ bits: 4, kind: 'pulse-train' });
    expect(m?.adc).toMatchObject({ bits: 7, signed: true, count: 4, per: 'crossbar' });
    expect(m?.speculation).toEqual({ sliceBits: [4, 2, 2], cycleFactor: 1.375, adcShare: 0.42, cellEnergyFactor: 2.5 });
    expect(getPreset('raella').tiles.count).toBe(32);
  });

  it('the RAELLA ablations are raella without speculation, with 1-bit input slices (and 2-bit cells)', () => {
    const raella = getPreset('raella');
    const noSpec = getPreset('raella-no-spec');
    const noSpec2b = getPreset('raella-no-spec-2b');
    expect(noSpec.tiles.macro?.speculation).toBeUndefined();
    expect(noSpec.tiles.macro?.dac.bits).toBe(1);
    expect(noSpec.tiles.macro?.crossbar).toEqual(raella.tiles.macro?.crossbar);
    expect(noSpec.tiles.macro?.centerOffset).toEqual(raella.tiles.macro?.centerOffset);
    expect(noSpec2b.tiles.macro?.crossbar.bitsPerCell).toBe(2);
    expect(noSpec2b.tiles.macro?.adc.bits).toBe(7);
  });

  it('rapidnn has CAM and lookup-table blocks, no crossbar macros, and labels its placeholders', () => {
    const c = getPreset('rapidnn');
    expect(c.tiles.macro).toBeUndefined();
    expect(c.tiles.cam).toEqual({ count: 8, entries: 64, keyBits: 16, valueBits: 6 });
    expect(c.tiles.lut).toEqual({ count: 8, entries: 4096, entryBits: 16, bitsPerCell: 1 });
    expect(c.tiles.count * (c.tiles.cam?.count ?? 0)).toBe(1024);
    const placeholders = Object.entries(c.sources).filter(([, s]) => isPlaceholderSource(s));
    expect(placeholders.map(([p]) => p).sort()).toEqual(['tiles.cam.count', 'tiles.count', 'tiles.lut.count']);
  });

  it('isaac-puma-write differs from isaac only in the write model', () => {
    const a = getPreset('isaac');
    const b = getPreset('isaac-puma-write');
    expect(b.write.model).toBe('lumped');
    expect({ ...b.write, model: 'per-cell' }).toEqual(a.write);
    expect(b.tiles).toEqual(a.tiles);
  });
});

import { isPimcError, type PimcError } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { getPreset, listPresets } from './presets.js';
import { parseChip, validateChip } from './validate.js';

/** The PimcError thrown by `fn` (fails the test when nothing or something else is thrown). */
function errorOf(fn: () => unknown): PimcError {
  try {
    fn();
  } catch (e) {
    if (isPimcError(e)) return e;
    throw e;
  }
  throw new Error('expected a PimcError');
}

/** Validates `isaac` with `patch` applied. */
const withPatch = (patch: Record<string, unknown>, file?: string) =>
  validateChip({ extends: 'isaac', ...patch }, file === undefined ? {} : { file });

describe('validation errors name the JSON path', () => {
  it('unknown key, with a did-you-mean suggestion and its unit', () => {
    const e = errorOf(() => withPatch({ tiles: { macro: { crossbar: { rowz: 256 } } } }));
    expect(e.code).toBe('invalid-chip');
    expect(e.message).toContain('tiles.macro.crossbar.rowz');
    expect(e.message).toContain("unknown field 'rowz'; did you mean 'rows'?");
    expect(e.location?.path).toBe('tiles.macro.crossbar.rowz');
    expect(e.notes.join('\n')).toContain('count, rows, columns, bitsPerCell, cell, cycleNs');

    const snake = errorOf(() => withPatch({ tiles: { macro: { crossbar: { cycle_ns: 50 } } } }));
    expect(snake.message).toContain("did you mean 'cycleNs' (in ns)?");

    const far = errorOf(() => withPatch({ tiles: { voltage: 3 } }));
    expect(far.message).toContain("tiles.voltage: unknown field 'voltage'");
    expect(far.message).not.toContain('did you mean');
  });

  it('missing field (no extends: a full description is required)', () => {
    const isaac = JSON.parse(JSON.stringify(getPreset('isaac'))) as { tiles: { macro: { crossbar: Record<string, unknown> } } };
    delete isaac.tiles.macro.crossbar.rows;
    const e = errorOf(() => validateChip(isaac));
    expect(e.message).toBe(
      'tiles.macro.crossbar.rows: missing required field: an integer (count); Word lines (inputs) per crossbar: the dot-product length one activation covers.',
    );
  });

  it('null removes an inherited field; a required one is then missing', () => {
    const e = errorOf(() => withPatch({ tiles: { macro: { dac: null } } }));
    expect(e.message).toContain('tiles.macro.dac: missing required field');
  });

  it('wrong type', () => {
    expect(errorOf(() => withPatch({ tiles: { macro: { adc: { signed: 1 } } } })).message).toBe(
      'tiles.macro.adc.signed: expected true or false, got number 1',
    );
    expect(errorOf(() => withPatch({ tiles: { macro: 'big' } })).message).toContain(
      'tiles.macro: expected an object with fields count,',
    );
    expect(errorOf(() => withPatch({ tiles: { count: [168] } })).message).toBe(
      'tiles.count: expected an integer (count), got a list',
    );
    expect(errorOf(() => withPatch({ tiles: { macro: { speculation: { sliceBits: 4 } } } })).message).toContain(
      'tiles.macro.speculation.sliceBits: expected a list of integers in bits, got number 4',
    );
  });

  it('wrong unit: a string with a unit names the unit expected and the number to write', () => {
    expect(errorOf(() => withPatch({ tiles: { macro: { crossbar: { cycleNs: '100ns' } } } })).message).toBe(
      'tiles.macro.crossbar.cycleNs: expected a number in ns (the unit is in the field name), got the string "100ns"; write 100',
    );
    expect(errorOf(() => withPatch({ tiles: { macro: { crossbar: { cycleNs: '0.1 us' } } } })).message).toContain(
      'write 100 (0.1 us = 100 ns)',
    );
    expect(errorOf(() => withPatch({ tiles: { edramBytes: '64KB' } })).message).toContain(
      'write 65536 (64 KB = 65536 bytes, 1 KB = 1024 bytes)',
    );
    expect(errorOf(() => withPatch({ write: { pulseEnergyPJ: '0.01 nJ' } })).message).toContain('write 10 (0.01 nJ = 10 pJ)');
    expect(errorOf(() => withPatch({ clockGhz: '1200 MHz' })).message).toContain('write 1.2 (1200 MHz = 1.2 GHz)');
    expect(errorOf(() => withPatch({ write: { pulseNs: '40 pJ' } })).message).toContain(
      'expected a number in ns (the unit is in the field name), got "40 pJ": \'pJ\' is not a unit this field converts from',
    );
    expect(errorOf(() => withPatch({ tiles: { count: '168' } })).message).toContain('write it without quotes: 168');
  });

  it('impossible values', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tiles: { macro: { crossbar: { rows: 0 } } } }, 'tiles.macro.crossbar.rows: must be at least 1, got 0'],
      [
        { tiles: { macro: { crossbar: { bitsPerCell: 9 } } } },
        'tiles.macro.crossbar.bitsPerCell: must be at most 8 bits, got 9 (ReRAM cells hold 1 to 8 bits)',
      ],
      [{ tiles: { macro: { adc: { bits: 0 } } } }, 'tiles.macro.adc.bits: must be at least 1 bits, got 0'],
      [{ write: { pulseEnergyPJ: -1 } }, 'write.pulseEnergyPJ: must be at least 0 pJ, got -1 (energies are ≥ 0)'],
      [{ tiles: { macro: { crossbar: { cycleNs: 0 } } } }, 'tiles.macro.crossbar.cycleNs: must be greater than 0 ns, got 0'],
      [{ tiles: { count: 2.5 } }, 'tiles.count: must be an integer, got 2.5'],
      [{ noc: { routerPorts: 1 } }, 'noc.routerPorts: must be at least 2, got 1'],
    ];
    for (const [patch, message] of cases) expect(errorOf(() => withPatch(patch)).message).toBe(message);
  });

  it('enum values, with a suggestion', () => {
    expect(errorOf(() => withPatch({ tiles: { macro: { crossbar: { cell: '2t2r' } } } })).message).toBe(
      'tiles.macro.crossbar.cell: expected one of "single-ended", "differential-2t2r", got the string "2t2r"',
    );
    expect(errorOf(() => withPatch({ write: { model: 'percell' } })).message).toContain('did you mean "per-cell"?');
  });

  it('constraints between fields', () => {
    expect(errorOf(() => validateChip({ extends: 'raella', tiles: { macro: { dac: { bits: 2 } } } })).message).toBe(
      'tiles.macro.speculation.sliceBits[0]: a 4-bit speculation slice needs a DAC of at least 4 bits, but tiles.macro.dac.bits is 2',
    );
    expect(errorOf(() => validateChip({ extends: 'raella', tiles: { macro: { adc: { signed: false } } } })).message).toContain(
      'tiles.macro.adc.signed: differential (2T2R) cells give signed column sums',
    );
    expect(
      errorOf(() => withPatch({ tiles: { macro: { centerOffset: { centerBits: 8, inputSumBits: 16 } } } })).message,
    ).toContain('Center+Offset column sums are signed');
    expect(errorOf(() => withPatch({ tiles: { macro: null } })).message).toContain('tiles.macro: a chip needs crossbar macros');
  });

  it('collects every problem: the first in the message, the others as notes', () => {
    const e = errorOf(() => withPatch({ tiles: { count: 0, macro: { crossbar: { rows: -1 }, adc: { bits: 'eight' } } } }));
    expect(e.message).toBe('tiles.count: must be at least 1, got 0');
    expect(e.notes).toEqual([
      'also tiles.macro.adc.bits: expected a number in bits, got the string "eight"',
      'also tiles.macro.crossbar.rows: must be at least 1, got -1',
    ]);
  });

  it('the file name leads the message', () => {
    const e = errorOf(() => withPatch({ tiles: { count: 0 } }, 'my-chip.json'));
    expect(e.message).toBe('my-chip.json: tiles.count: must be at least 1, got 0');
    expect(e.location).toEqual({ file: 'my-chip.json', path: 'tiles.count' });
  });

  it('unknown or malformed extends', () => {
    const e = errorOf(() => validateChip({ extends: 'isac' }));
    expect(e.message).toBe("extends: unknown preset 'isac'; did you mean 'isaac'?");
    expect(e.notes[0]).toBe(
      `presets: ${listPresets()
        .map((p) => p.name)
        .join(', ')}`,
    );
    expect(errorOf(() => validateChip({ extends: 3 })).message).toBe('extends: expected a preset name (string), got 3');
  });

  it('not an object, not JSON', () => {
    expect(errorOf(() => validateChip([1, 2])).message).toBe('a chip description must be a JSON object, got a list');
    const e = errorOf(() => parseChip('{\n  "extends": "isaac",\n  "tiles" 3\n}', { file: 'c.json' }));
    expect(e.message).toMatch(/^c\.json: chip description is not valid JSON at line 3, column 11: /);
    expect(errorOf(() => parseChip('{"a": }')).message).toContain('chip description is not valid JSON');
  });

  it('cost overrides and sources are checked against the constants and fields', () => {
    expect(errorOf(() => withPatch({ cost: { overrides: { adcConvertEnergy8bit: 2 } } })).message).toContain(
      "cost.overrides.adcConvertEnergy8bit: unknown cost-constant name 'adcConvertEnergy8bit'; did you mean 'adcConvertEnergy8b'?",
    );
    expect(errorOf(() => withPatch({ cost: { overrides: { adcConvertEnergy8b: '2 pJ' } } })).message).toContain(
      'cost.overrides.adcConvertEnergy8b: expected a number in pJ',
    );
    expect(errorOf(() => withPatch({ sources: { 'tiles.macro.crossbar.row': '[user]' } })).message).toContain(
      "did you mean 'tiles.macro.crossbar.rows'?",
    );
  });

  it('a "__proto__" key is an unknown field, not a prototype change', () => {
    const e = errorOf(() => parseChip('{"extends": "isaac", "tiles": {"__proto__": {"count": 1}}}'));
    expect(e.message).toContain("tiles.__proto__: unknown field '__proto__'");
  });
});

describe('extends and overrides', () => {
  it('deep-merges: only the fields written change', () => {
    const chip = withPatch({ name: 'wide', tiles: { macro: { crossbar: { rows: 256, columns: 256 } } } }, 'wide.json');
    const isaac = getPreset('isaac');
    expect(chip.name).toBe('wide');
    expect(chip.basedOn).toEqual(['isaac']);
    expect(chip.tiles.macro?.crossbar).toEqual({ ...isaac.tiles.macro?.crossbar, rows: 256, columns: 256 });
    expect(chip.tiles.macro?.adc).toEqual(isaac.tiles.macro?.adc);
    expect(chip.noc).toEqual(isaac.noc);
  });

  it('a derived chip does not inherit the name or description', () => {
    const chip = withPatch({ tiles: { count: 1 } });
    expect(chip.name).toBe('custom');
    expect(chip.description).toBe('');
  });

  it('null removes an optional block; lists are replaced whole', () => {
    const chip = validateChip({
      extends: 'raella',
      tiles: { macro: { speculation: { sliceBits: [4, 4] }, centerOffset: null } },
    });
    expect(chip.tiles.macro?.speculation?.sliceBits).toEqual([4, 4]);
    expect(chip.tiles.macro?.speculation?.adcShare).toBe(0.42);
    expect(chip.tiles.macro?.centerOffset).toBeUndefined();
    expect(chip.basedOn).toEqual(['isaac', 'raella']);
  });

  it('values the user sets get a [user] source unless the file gives one; removed blocks lose theirs', () => {
    const chip = validateChip(
      {
        extends: 'raella',
        tiles: { count: 64, macro: { crossbar: { rows: 256 }, speculation: null } },
        sources: { 'tiles.count': '[ours] our tape-out' },
      },
      { file: 'mine.json' },
    );
    expect(chip.sources['tiles.count']).toBe('[ours] our tape-out');
    expect(chip.sources['tiles.macro.crossbar.rows']).toBe('[user] mine.json');
    expect(chip.sources['tiles.macro.crossbar.columns']).toBe(getPreset('raella').sources['tiles.macro.crossbar.columns']);
    expect(Object.keys(chip.sources).filter((k) => k.includes('speculation'))).toEqual([]);
  });

  it('cost overrides replace constants', () => {
    const chip = withPatch({ cost: { overrides: { adcConvertEnergy8b: 3 } } });
    expect(chip.cost.overrides).toEqual({ adcConvertEnergy8b: 3 });
    expect(chip.sources['cost.overrides.adcConvertEnergy8b']).toBe('[user]');
  });

  it('a full description needs no extends; defaults fill the cost options', () => {
    const full = JSON.parse(JSON.stringify(getPreset('isaac'))) as Record<string, unknown>;
    delete full.cost;
    delete full.sources;
    const chip = validateChip(full);
    expect(chip.cost).toEqual({ adcModel: 'walden', adcFloorPJ: 0.4, overrides: {} });
    expect(chip.sources['tiles.count']).toBe('[user]');
  });

  it('every preset round-trips through JSON unchanged', () => {
    for (const { name } of listPresets()) {
      const chip = getPreset(name);
      expect(validateChip(JSON.parse(JSON.stringify(chip)))).toEqual(chip);
    }
  });

  it('results are frozen and share nothing with the input', () => {
    const input = { extends: 'raella', tiles: { macro: { speculation: { sliceBits: [4, 2, 2] } } } };
    const chip = validateChip(input);
    expect(Object.isFrozen(chip.tiles.macro?.speculation?.sliceBits)).toBe(true);
    expect(chip.tiles.macro?.speculation?.sliceBits).not.toBe(input.tiles.macro.speculation.sliceBits);
    input.tiles.macro.speculation.sliceBits.push(1);
    expect(chip.tiles.macro?.speculation?.sliceBits).toEqual([4, 2, 2]);
  });
});

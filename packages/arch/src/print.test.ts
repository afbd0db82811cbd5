import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSTANT_NAMES, COST_CONSTANTS } from './cost-constants.js';
import { generatedSection } from './doc-sections.js';
import { getPreset, listPresets } from './presets.js';
import { formatChip, formatConstantReference, formatCostTable, formatFieldReference, formatNumber } from './print.js';
import { parseChip, validateChip } from './validate.js';

const docsDir = new URL('../../../docs/', import.meta.url);
const readDoc = (name: string): string => readFileSync(new URL(name, docsDir), 'utf8');

describe('formatChip', () => {
  it('shows totals, every field with its value and source', () => {
    const text = formatChip(getPreset('isaac'));
    expect(text).toContain('chip isaac\n');
    expect(text).toContain(
      '168 tiles × 12 macros × 8 crossbars = 16128 crossbars of 128×128 single-ended, 2 bits/cell (4 levels)',
    );
    expect(text).toContain('DAC 1-bit level; ADC 8-bit unsigned, 8 per macro; crossbar cycle 100 ns');
    expect(text).toMatch(/area 62\.5447 mm² core, 85\.4247 mm² with 4 off-chip links; tile 0\.37229 mm²/);
    expect(text).toMatch(/tiles\.macro\.crossbar\.cycleNs +100 ns +\[ISAAC\] 100 ns crossbar cycle/);
    expect(text).toMatch(/tiles\.edramBytes +65536 bytes \(64 KB\) +\[ISAAC\]/);
    expect(text).toContain('absent: tiles.macro.centerOffset, tiles.macro.speculation, tiles.cam, tiles.lut');
    expect(text).not.toContain('placeholder value');
  });

  it('marks placeholders and absent blocks', () => {
    const text = formatChip(getPreset('rapidnn'));
    expect(text).toContain('chip rapidnn (extends isaac)');
    expect(text).toMatch(/\n {2}\*tiles\.count +128 +\[ours, placeholder\]/);
    expect(text).toContain('absent: tiles.macro\n');
    expect(text).toContain('3 placeholder values (*)');
    expect(text).not.toContain('tiles.macro.crossbar');
  });

  it('shows user values and the extends chain', () => {
    const text = formatChip(validateChip({ extends: 'raella-no-spec', name: 'mine', tiles: { count: 2 } }, { file: 'm.json' }));
    expect(text).toContain('chip mine (extends isaac → raella → raella-no-spec)');
    expect(text).toMatch(/tiles\.count +2 +\[user\] m\.json/);
  });

  it('prints every preset', () => {
    for (const { name } of listPresets()) expect(formatChip(getPreset(name))).toContain(`chip ${name}`);
  });
});

describe('formatCostTable', () => {
  it('lists every constant with unit, scope and source, then per-event prices', () => {
    const text = formatCostTable(getPreset('isaac'));
    for (const name of CONSTANT_NAMES) {
      const c = COST_CONSTANTS[name];
      expect(text).toContain(`${name} = ${formatNumber(c.value)} ${c.unit}`);
      expect(text).toContain(`source: ${c.source}`);
    }
    expect(text).toMatch(/ADC conversion, 8-bit +1\.5625 +0\.78125/);
    expect(text).toMatch(/crossbar activation 128×128 +30 +100 +cell array only/);
    expect(text).toMatch(/cell write \|Δlevel\| = 3 +33 +150/);
    expect(text).toMatch(/crossbar write, 1 iteration per row +— +6400/);
    expect(text).toMatch(/core \(no off-chip links\) +62\.5447 mm² +55408\.1 mW/);
  });

  it('shows overrides, the lumped write model, speculation and RAPIDNN blocks', () => {
    const chip = validateChip({ extends: 'isaac', cost: { overrides: { adcConvertEnergy8b: 2 } } });
    expect(formatCostTable(chip)).toContain('adcConvertEnergy8b = 2 pJ (overridden)');
    expect(formatCostTable(getPreset('isaac-puma-write'))).toMatch(/crossbar write \(lumped\) +22600 +10970/);
    expect(formatCostTable(getPreset('raella'))).toMatch(
      /crossbar activation 512×512 +1745\.45 +100 +cell array only; ×1\.81818 speculation/,
    );
    const rapidnn = formatCostTable(getPreset('rapidnn'));
    expect(rapidnn).toMatch(/\*CAM search 64×16 +2\.512 +1/);
    expect(rapidnn).toMatch(/\*in-memory add, 16-bit +20\.8 +228\.8/);
    expect(rapidnn).not.toContain('ADC conversion');
  });
});

describe('docs', () => {
  it('docs/chip-format.md embeds the current field reference', () => {
    expect(generatedSection(readDoc('chip-format.md'), 'fields'), 'run the generator: see packages/arch/README.md').toBe(
      formatFieldReference(),
    );
  });

  it('docs/cost-model.md embeds the current constants table', () => {
    expect(generatedSection(readDoc('cost-model.md'), 'constants'), 'run the generator: see packages/arch/README.md').toBe(
      formatConstantReference(),
    );
  });

  it('the example user file in docs/chip-format.md validates', () => {
    const doc = readDoc('chip-format.md');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const chip = parseChip(example ?? '', { file: 'example.json' });
    expect(chip.name).toBe('isaac-256-4b');
    expect(chip.tiles.macro?.crossbar.rows).toBe(256);
    expect(chip.sources['tiles.macro.adc.bits']).toBe('[user] example.json');
  });

  it('every preset is named in docs/chip-format.md', () => {
    const doc = readDoc('chip-format.md');
    for (const { name } of listPresets()) expect(doc).toContain(`| \`${name}\``);
  });
});

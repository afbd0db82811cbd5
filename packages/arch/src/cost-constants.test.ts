import { describe, expect, it } from 'vitest';
import {
  COST_CONSTANTS,
  CONSTANT_NAMES,
  SOURCE_TAGS,
  isPlaceholderSource,
  type ConstantSpec,
  type CostUnit,
} from './cost-constants.js';

// Plausible magnitude per unit for a 32 nm component or event: a constant outside its range is
// almost certainly a units slip (MNSIM 2.0 stored one DAC's power in W among mW entries).
const PLAUSIBLE: Record<CostUnit, [number, number]> = {
  pJ: [1e-5, 1e5],
  ns: [0.01, 1e5],
  cycles: [1, 100],
  mm2: [1e-10, 10],
  mW: [1e-6, 3000],
  ratio: [1, 10],
  'steps/bit': [1, 100],
};

describe('cost constants', () => {
  it('every constant has a unit, a scope and a source with a known tag', () => {
    for (const name of CONSTANT_NAMES) {
      const c: ConstantSpec = COST_CONSTANTS[name];
      expect(Object.keys(PLAUSIBLE), name).toContain(c.unit);
      expect(c.per.length, name).toBeGreaterThan(5);
      expect(
        SOURCE_TAGS.some((tag) => c.source.startsWith(tag)),
        `${name}: ${c.source}`,
      ).toBe(true);
      expect(c.placeholder === true, `${name}: placeholder flag matches its source tag`).toBe(isPlaceholderSource(c.source));
    }
  });

  it('every constant is in a plausible range for its unit', () => {
    for (const name of CONSTANT_NAMES) {
      const c: ConstantSpec = COST_CONSTANTS[name];
      const [lo, hi] = PLAUSIBLE[c.unit];
      expect(c.value, `${name} = ${c.value} ${c.unit}`).toBeGreaterThanOrEqual(lo);
      expect(c.value, `${name} = ${c.value} ${c.unit}`).toBeLessThanOrEqual(hi);
    }
    // Component-specific bounds where a units slip would still pass the generic ones.
    expect(COST_CONSTANTS.dacPower1b.value).toBeLessThan(0.1);
    expect(COST_CONSTANTS.sampleHoldPower.value).toBeLessThan(0.01);
    expect(COST_CONSTANTS.adcConvertEnergy8b.value).toBeGreaterThan(0.1);
    expect(COST_CONSTANTS.adcConvertEnergy8b.value).toBeLessThan(20);
  });

  it('the RAPIDNN block constants are all placeholders', () => {
    const rapidnn = CONSTANT_NAMES.filter((n) => n.startsWith('cam') || n.startsWith('lut') || n.startsWith('inMemAdd'));
    expect(rapidnn.length).toBe(11);
    for (const n of rapidnn) expect(COST_CONSTANTS[n].placeholder, n).toBe(true);
  });

  it('derived per-unit figures match cost-model.md', () => {
    expect(COST_CONSTANTS.adcConvertEnergy8b.value).toBe(1.5625);
    expect(COST_CONSTANTS.dacDriveEnergy1b.value).toBeCloseTo(0.39, 2);
    expect(COST_CONSTANTS.xbActivationEnergy128.value).toBeCloseTo(30, 10);
    expect(COST_CONSTANTS.adcArea8b.value).toBeCloseTo(0.0012, 12);
    // ISAAC's IMA total / 1024 DACs; PUMA rounds the same figure to 1.67e-7.
    expect(Math.abs(COST_CONSTANTS.dacArea1b.value - 1.67e-7) / 1.67e-7).toBeLessThan(0.01);
    expect(COST_CONSTANTS.xbArea128.value).toBeCloseTo(2.5e-5, 12);
  });
});

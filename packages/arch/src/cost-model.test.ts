import { describe, expect, it } from 'vitest';
import { chipArea } from './area-power.js';
import { CONSTANT_NAMES } from './cost-constants.js';
import { costConstants, priceEvents } from './cost-model.js';
import { addEventCounts, type EventCounts } from './events.js';
import { getPreset } from './presets.js';
import { validateChip } from './validate.js';

const isaac = getPreset('isaac');

// Hand-computed on isaac (1.2 GHz clock, 100 ns crossbar cycle, 32-bit flits, 256-bit eDRAM).
const COUNTS: EventCounts = {
  adcConverts: { 8: 1000 }, // 1562.5 pJ; 781.25 ns
  dacDrives: { 1: 128 }, // 50 pJ
  xbActivations: { '128x128': 10 }, // 300 pJ + S&H 1.25 pJ; 1000 ns
  cellWrites: { 0: 5, 1: 100, 3: 2 }, // 1100 + 66 pJ
  rowWrites: { 1: 10, 3: 1 }, // 650 ns
  crossbarWrites: 1, // ignored under the per-cell model
  bufReads: { edram: 10, macroInput: 4 }, // 200 + 4 pJ
  bufWrites: { edram: 5 }, // 100 pJ; 15 × 2 cycles + 4 × 1 cycle = 34 cycles
  edramBankActiveNs: 1000, // 1000 pJ
  nocFlitsHop: 8, // 8 × 1.25 pJ; 8 cycles
  digitalMACs: { 8: 4 }, // 1 pJ; 4 cycles
  digitalAdds: { 16: 10 }, // 0.5 pJ; 10 cycles
  shiftAdds: 100, // 6 pJ; 100 cycles
};

describe('priceEvents', () => {
  it('prices every event of a hand-computed example', () => {
    const p = priceEvents(isaac, COUNTS);
    const e = p.energyPJ.byComponent;
    expect(p.chip).toBe('isaac');
    expect(e.adc).toBeCloseTo(1562.5, 9);
    expect(e.dac).toBeCloseTo(50, 9);
    expect(e.crossbar).toBeCloseTo(300, 9);
    expect(e.sampleHold).toBeCloseTo(1.25, 9);
    expect(e.write).toBeCloseTo(1166, 9);
    expect(e.buffer).toBeCloseTo(304, 9);
    expect(e.leakage).toBeCloseTo(1000, 9);
    expect(e.noc).toBeCloseTo(10, 9);
    expect(e.digital).toBeCloseTo(1.5, 9);
    expect(e.shiftAdd).toBeCloseTo(6, 9);
    expect(e.cam + e.lut + e.inMemAdd).toBe(0);
    expect(p.energyPJ.total).toBeCloseTo(4401.25, 8);

    const cycle = 1 / 1.2;
    const t = p.latencyNs.byComponent;
    expect(t.adc).toBeCloseTo(781.25, 9);
    expect(t.crossbar).toBeCloseTo(1000, 9);
    expect(t.write).toBeCloseTo(650, 9);
    expect(t.buffer).toBeCloseTo(34 * cycle, 9);
    expect(t.noc).toBeCloseTo(8 * cycle, 9);
    expect(t.digital).toBeCloseTo(14 * cycle, 9);
    expect(t.shiftAdd).toBeCloseTo(100 * cycle, 9);
    expect(p.latencyNs.total).toBeCloseTo(781.25 + 1000 + 650 + 156 * cycle, 8);

    expect(p.areaMm2).toEqual(chipArea(isaac));
    expect(p.placeholders).toEqual([]);
  });

  it('the lumped write model prices crossbar writes and ignores cells and rows', () => {
    const p = priceEvents(getPreset('isaac-puma-write'), { cellWrites: { 1: 100 }, rowWrites: { 1: 10 }, crossbarWrites: 2 });
    expect(p.energyPJ.byComponent.write).toBe(45200);
    expect(p.latencyNs.byComponent.write).toBe(21940);
  });

  it('counts converts as given: RAELLA speculation savings come from the counts, not a factor', () => {
    const p = priceEvents(getPreset('raella'), { adcConverts: { 7: 100 }, dacDrives: { 4: 10 } });
    expect(p.energyPJ.byComponent.adc).toBe(78.125);
    expect(p.placeholders).toEqual(['dacScalePerBit']);
  });

  it('RAPIDNN blocks are priced and their placeholders reported', () => {
    const p = priceEvents(getPreset('rapidnn'), { camSearches: { '64x16': 10 }, lutReads: 6, inMemAdds: { 16: 5 } });
    expect(p.energyPJ.byComponent.cam).toBeCloseTo(25.12, 9);
    expect(p.energyPJ.byComponent.lut).toBeCloseTo(6, 9);
    expect(p.energyPJ.byComponent.inMemAdd).toBeCloseTo(104, 9);
    expect(p.latencyNs.byComponent.inMemAdd).toBeCloseTo(1144, 9);
    expect(p.placeholders).toEqual([
      'camSearchEnergyPerEntryBit',
      'camSearchFixedEnergy',
      'camSearchNs',
      'inMemAddStepEnergy',
      'inMemAddStepNs',
      'inMemAddStepsPerBit',
      'lutReadEnergy16b',
      'lutReadNs',
    ]);
    // A calibrated override (with its own source) is no longer a placeholder.
    const calibrated = validateChip({
      extends: 'rapidnn',
      cost: { overrides: { lutReadEnergy16b: 0.8 } },
      sources: { 'cost.overrides.lutReadEnergy16b': '[ours] calibrated with EvaCAM' },
    });
    expect(priceEvents(calibrated, { lutReads: 1 }).placeholders).toEqual(['lutReadNs']);
  });

  it('is deterministic: the order counts were recorded in does not change a bit', () => {
    const reordered: EventCounts = {
      shiftAdds: 100,
      digitalAdds: { 16: 10 },
      digitalMACs: { 8: 4 },
      nocFlitsHop: 8,
      edramBankActiveNs: 1000,
      bufWrites: { edram: 5 },
      bufReads: { macroInput: 4, edram: 10 },
      crossbarWrites: 1,
      rowWrites: { 3: 1, 1: 10 },
      cellWrites: { 3: 2, 1: 100, 0: 5 },
      xbActivations: { '128x128': 10 },
      dacDrives: { 1: 128 },
      adcConverts: { 8: 1000 },
    };
    const a = priceEvents(isaac, COUNTS);
    expect(priceEvents(isaac, reordered)).toEqual(a);
    expect(priceEvents(isaac, COUNTS)).toEqual(a);
    expect(priceEvents(isaac, {}).energyPJ.total).toBe(0);
  });

  it('addEventCounts sums counters; pricing is additive', () => {
    const twice = addEventCounts(COUNTS, COUNTS);
    expect(twice.adcConverts).toEqual({ 8: 2000 });
    expect(twice.bufReads).toEqual({ edram: 20, macroInput: 8 });
    expect(twice.shiftAdds).toBe(200);
    expect(priceEvents(isaac, twice).energyPJ.total).toBeCloseTo(2 * 4401.25, 8);
    expect(addEventCounts({}, { lutReads: 3 })).toEqual({ lutReads: 3 });
  });

  it('rejects malformed counts with the counter named', () => {
    const bad: [EventCounts, RegExp][] = [
      [{ adcConverts: { 8: -1 } }, /adcConverts\[8\]: a count must be a finite number ≥ 0, got -1/],
      [{ adcConverts: { 0: 1 } }, /adcConverts: key '0' is not a bit width/],
      [
        { xbActivations: { '128by128': 1 } as unknown as EventCounts['xbActivations'] },
        /xbActivations: key '128by128' is not of the form ROWSxCOLS/,
      ],
      [{ bufReads: { sram: 1 } as unknown as EventCounts['bufReads'] }, /bufReads: unknown buffer 'sram'/],
      [{ cellWrites: { 4: 1 } }, /level change 4 is impossible for 4-level cells/],
      [{ adcConvert: { 8: 1 } } as unknown as EventCounts, /unknown event counter 'adcConvert'/],
      [{ nocFlitsHop: Number.NaN }, /nocFlitsHop: a count must be a finite number/],
    ];
    for (const [counts, message] of bad) expect(() => priceEvents(isaac, counts)).toThrow(message);
    expect(() => priceEvents(isaac, { lutReads: 1 })).toThrow(/lutReads: chip 'isaac' has no lookup-table blocks/);
    expect(() => priceEvents(getPreset('rapidnn'), { xbActivations: { '128x128': 1 } })).toThrow(/has no crossbar macros/);
  });
});

describe('costConstants', () => {
  it('lists every constant, with overrides applied and attributed', () => {
    const chip = validateChip({ extends: 'isaac', cost: { overrides: { edramAccessEnergy256b: 17.2 } } }, { file: 'puma.json' });
    const constants = costConstants(chip);
    expect(constants.map((c) => c.name)).toEqual(CONSTANT_NAMES);
    const edram = constants.find((c) => c.name === 'edramAccessEnergy256b');
    expect(edram).toMatchObject({ value: 17.2, unit: 'pJ', overridden: true, source: '[user] puma.json' });
    expect(costConstants(isaac).every((c) => !c.overridden)).toBe(true);
  });
});

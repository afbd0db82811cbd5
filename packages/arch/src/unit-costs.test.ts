import { describe, expect, it } from 'vitest';
import { chipArea, chipPower } from './area-power.js';
import { adcsPerMacro, crossbarsPerChip } from './chip.js';
import { getPreset } from './presets.js';
import {
  adcAreaMm2,
  adcConvertEnergyPJ,
  adcConvertNs,
  camSearchEnergyPJ,
  dacDriveEnergyPJ,
  inMemAddEnergyPJ,
  inMemAddNs,
  speculationCellFactor,
  xbActivationEnergyPJ,
} from './unit-costs.js';
import { validateChip } from './validate.js';

const isaac = getPreset('isaac');

/** |actual − expected| ≤ rel·|expected|. */
function within(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('ADC energy and area vs resolution (Walden, anchored at ISAAC 8-bit)', () => {
  it('reproduces the cost-model.md §6 table', () => {
    const table: [number, number, number][] = [
      [4, 0.098, 0.000075],
      [5, 0.195, 0.00015],
      [6, 0.391, 0.0003],
      [7, 0.781, 0.0006],
      [8, 1.5625, 0.0012],
      [9, 3.125, 0.0024],
      [10, 6.25, 0.0048],
    ];
    for (const [bits, pJ, mm2] of table) {
      expect(adcConvertEnergyPJ(isaac, bits)).toBeCloseTo(pJ, 3);
      expect(adcAreaMm2(isaac, bits)).toBeCloseTo(mm2, 9);
    }
    expect(adcConvertEnergyPJ(isaac, 8)).toBe(1.5625);
    expect(adcConvertEnergyPJ(isaac, 7)).toBeCloseTo(0.78, 2);
    expect(adcConvertEnergyPJ(isaac, 4)).toBeCloseTo(0.1, 2);
  });

  it('energy per conversion is power / sample rate (not (bits + 2) / rate × power, MNSIM pitfall)', () => {
    const adcs = isaac.tiles.count * (isaac.tiles.macro?.count ?? 0) * adcsPerMacro(isaac.tiles.macro!);
    const powerPerAdc = chipPower(isaac).byComponent.adc / adcs;
    expect(powerPerAdc).toBeCloseTo(2, 10);
    expect(powerPerAdc / isaac.tiles.macro!.adc.sampleRateGsps).toBeCloseTo(adcConvertEnergyPJ(isaac, 8), 12);
    expect(adcConvertNs(isaac)).toBeCloseTo(0.78125, 10);
    // A 128-column read-out by one ADC: ≈ 200 pJ in one 100 ns crossbar cycle.
    expect(128 * adcConvertEnergyPJ(isaac, 8)).toBe(200);
    expect(128 * adcConvertNs(isaac)).toBeCloseTo(100, 10);
  });

  it('walden-floor never goes below the floor; an anchor override rescales every resolution', () => {
    const floor = validateChip({ extends: 'isaac', cost: { adcModel: 'walden-floor' } });
    expect(adcConvertEnergyPJ(floor, 4)).toBe(0.4);
    expect(adcConvertEnergyPJ(floor, 6)).toBe(0.4);
    expect(adcConvertEnergyPJ(floor, 7)).toBe(0.78125);
    const anchored = validateChip({ extends: 'isaac', cost: { overrides: { adcConvertEnergy8b: 3 } } });
    expect(adcConvertEnergyPJ(anchored, 7)).toBe(1.5);
  });

  it('rejects impossible resolutions', () => {
    expect(() => adcConvertEnergyPJ(isaac, 0)).toThrow(/ADC energy: bits must be an integer in \[1, 24\], got 0/);
    expect(() => adcConvertEnergyPJ(isaac, 7.5)).toThrow(/got 7.5/);
  });
});

describe('crossbar, DAC and RAPIDNN unit costs', () => {
  it('ISAAC crossbar: 30 pJ per 128×128 activation, ∝ cells (PUMA sizes), ×2 for 2T2R', () => {
    expect(xbActivationEnergyPJ(isaac, 128, 128)).toBeCloseTo(30, 10);
    expect(xbActivationEnergyPJ(isaac, 64, 64)).toBeCloseTo(7.5, 10); // 0.075 mW × 100 ns
    expect(xbActivationEnergyPJ(isaac, 256, 256)).toBeCloseTo(120, 10); // 1.2 mW × 100 ns
    const noSpec = getPreset('raella-no-spec');
    expect(xbActivationEnergyPJ(noSpec, 512, 512)).toBeCloseTo(30 * 16 * 2, 8);
  });

  it('RAELLA speculation: cell energy ×2.5 per layer over ×11/8 activations', () => {
    const raella = getPreset('raella');
    expect(speculationCellFactor(raella)).toBeCloseTo(2.5 / 1.375, 12);
    expect(xbActivationEnergyPJ(raella, 512, 512)).toBeCloseTo(960 * (2.5 / 1.375), 8);
    expect(speculationCellFactor(isaac)).toBe(1);
  });

  it('DAC: 0.39 pJ per 1-bit row drive, doubling per extra bit (placeholder rule)', () => {
    expect(dacDriveEnergyPJ(isaac, 1)).toBeCloseTo(0.390625, 12);
    expect(dacDriveEnergyPJ(isaac, 4)).toBeCloseTo(0.390625 * 8, 12);
  });

  it('RAPIDNN placeholders reproduce the cost-model.md §8 examples', () => {
    const rapidnn = getPreset('rapidnn');
    expect(camSearchEnergyPJ(rapidnn, 64, 16)).toBeCloseTo(2.512, 10); // ≈ 0.51 + 2
    expect(inMemAddEnergyPJ(rapidnn, 16)).toBeCloseTo(20.8, 10); // 208 NOR steps
    expect(inMemAddNs(rapidnn, 16)).toBeCloseTo(228.8, 10);
  });
});

describe('area and peak power reproduce the ISAAC totals', () => {
  it('IMA 0.0131 mm² / 24.08 mW, tile 0.372 mm² / 330 mW, chip 62.5 mm² / 55.4 W', () => {
    const area = chipArea(isaac);
    const power = chipPower(isaac);
    within(area.macro, 0.0131, 0.005);
    within(area.tile, 0.372, 0.005);
    within(area.core, 62.5, 0.005);
    within(area.total, 85.4, 0.005);
    within(power.macro, 24.08, 0.001);
    within(power.tile, 330, 0.005);
    within(power.core / 1000, 55.4, 0.005);
    within(power.total / 1000, 65.8, 0.005);
  });

  it('the component breakdown adds up and the router is shared by 4 tiles', () => {
    const area = chipArea(isaac);
    const sum = Object.values(area.byComponent).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(area.total, 9);
    expect(area.byComponent.router / isaac.tiles.count).toBeCloseTo(0.151 / 4, 12);
    expect(area.byComponent.offChipLinks).toBeCloseTo(22.88, 10);
    expect(area.byComponent.adc).toBeCloseTo(crossbarsPerChip(isaac) * 0.0012, 10);
  });

  it('rapidnn has no macro components, only CAM and LUT blocks on the tiles', () => {
    const area = chipArea(getPreset('rapidnn'));
    expect(area.macro).toBe(0);
    expect(area.byComponent.adc).toBe(0);
    expect(area.byComponent.cam).toBeGreaterThan(0);
    expect(area.byComponent.lut).toBeGreaterThan(0);
  });
});

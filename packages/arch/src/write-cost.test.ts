import { describe, expect, it } from 'vitest';
import { getPreset } from './presets.js';
import { validateChip } from './validate.js';
import {
  cellWriteEnergyPJ,
  crossbarWriteNs,
  iterationEnergyPJ,
  iterationNs,
  lumpedCrossbarWrite,
  overwriteIterations,
  rowWriteNs,
  writeIterations,
} from './write-cost.js';

const isaac = getPreset('isaac');

describe('per-cell write cost (cost-model.md §7)', () => {
  it('iterations: unchanged cells are free, then 1 + iterationsPerLevel·(|Δ| − 1)', () => {
    expect([0, 1, 2, 3].map((d) => writeIterations(isaac, d))).toEqual([0, 1, 2, 3]);
    expect(writeIterations(isaac, -2)).toBe(2);
    const slow = validateChip({ extends: 'isaac', write: { iterationsPerLevel: 2 } });
    expect([0, 1, 2, 3].map((d) => writeIterations(slow, d))).toEqual([0, 1, 3, 5]);
  });

  it('energy and time per level change: 10 + 1 pJ and 40 + 10 ns per iteration', () => {
    expect(iterationEnergyPJ(isaac)).toBe(11);
    expect(iterationNs(isaac)).toBe(50);
    expect([0, 1, 2, 3].map((d) => cellWriteEnergyPJ(isaac, d))).toEqual([0, 11, 22, 33]);
    expect([0, 1, 2, 3].map((d) => rowWriteNs(isaac, d))).toEqual([0, 50, 100, 150]);
  });

  it('a 128-row crossbar: ≈ 6.4 µs at one iteration per row, ≈ 19 µs worst case; ≈ 180 nJ if every cell moves one level', () => {
    expect(crossbarWriteNs(isaac, new Array<number>(128).fill(1))).toBe(6400);
    expect(crossbarWriteNs(isaac, new Array<number>(128).fill(3))).toBe(19200);
    expect(128 * 128 * cellWriteEnergyPJ(isaac, 1)).toBe(180224);
  });

  it('the ARAS worked example: old [0, 3, 1, 2] → new [3, 0, 2, 1] costs 8 iterations', () => {
    const old = [0, 3, 1, 2];
    const next = [3, 0, 2, 1];
    const iterations = old.reduce((s, o, i) => s + writeIterations(isaac, next[i] - o), 0);
    expect(iterations).toBe(8);
    expect(old.reduce((s, o, i) => s + cellWriteEnergyPJ(isaac, next[i] - o), 0)).toBe(88);
  });

  it('full overwrite baseline: reset + program = 2 + level', () => {
    expect([0, 1, 2, 3].map((l) => overwriteIterations(isaac, l))).toEqual([2, 3, 4, 5]);
  });

  it('a level change beyond the cell is an error; more bits per cell allow more', () => {
    expect(() => writeIterations(isaac, 4)).toThrow(/level change 4 is impossible for 4-level cells/);
    expect(() => writeIterations(isaac, 1.5)).toThrow(/impossible/);
    expect(writeIterations(getPreset('raella'), 15)).toBe(15);
  });

  it('lumped (PUMA) model: ≈ 22.6 nJ and 10.97 µs per 128×128 crossbar', () => {
    expect(lumpedCrossbarWrite(getPreset('isaac-puma-write'))).toEqual({ energyPJ: 22600, latencyNs: 10970 });
    // The write/compute latency ratio to report with write-scheduling results: ≈ 110 MVMs.
    expect(lumpedCrossbarWrite(isaac).latencyNs / isaac.tiles.macro!.crossbar.cycleNs).toBeCloseTo(109.7, 6);
  });

  it('chips without crossbars have no cells to write', () => {
    expect(() => writeIterations(getPreset('rapidnn'), 1)).toThrow(/chip 'rapidnn' has no crossbar macros/);
  });
});

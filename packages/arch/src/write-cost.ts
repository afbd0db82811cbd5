import { check } from '@pimc/support';
import { devicesPerCell, levelsPerCell, requireMacro, type Chip } from './chip.js';
import { constantValue } from './unit-costs.js';

/**
 * ReRAM programming cost (cost-model.md §7, algorithms.md §6.4). Per-cell model: an unchanged
 * cell is skipped (differential write); a changed cell takes 1 + iterationsPerLevel·(|Δ| − 1)
 * program-verify iterations, each one pulse and one verify read; the cells of a row are written
 * in parallel, so a row takes its slowest cell's iterations. The lumped model (PUMA) charges a
 * fixed cost per crossbar instead.
 */

function checkDelta(chip: Chip, delta: number): number {
  const d = Math.abs(delta);
  const levels = levelsPerCell(chip);
  check(
    Number.isInteger(d) && d <= levels - 1,
    'invalid-input',
    () => `level change ${delta} is impossible for ${levels}-level cells (|Δ| must be an integer ≤ ${levels - 1})`,
  );
  return d;
}

/** Program-verify iterations for a cell whose level changes by `delta` (0 when unchanged). */
export function writeIterations(chip: Chip, delta: number): number {
  const d = checkDelta(chip, delta);
  return d === 0 ? 0 : 1 + chip.write.iterationsPerLevel * (d - 1);
}

/**
 * Iterations of the full-overwrite baseline (no differential write): reset, then program from the
 * lowest level up to `level`: 2 + level.
 */
export function overwriteIterations(chip: Chip, level: number): number {
  checkDelta(chip, level);
  return 2 + Math.abs(level);
}

/** Energy of one program-verify iteration on one cell, pJ. */
export function iterationEnergyPJ(chip: Chip): number {
  return chip.write.pulseEnergyPJ + chip.write.verifyEnergyPJ;
}

/** Time of one program-verify iteration, ns. */
export function iterationNs(chip: Chip): number {
  return chip.write.pulseNs + chip.write.verifyNs;
}

/** Energy of writing one cell whose level changes by `delta`, pJ (0 when unchanged). */
export function cellWriteEnergyPJ(chip: Chip, delta: number): number {
  return writeIterations(chip, delta) * iterationEnergyPJ(chip);
}

/** Time of writing one row whose largest level change is `maxDelta`, ns. */
export function rowWriteNs(chip: Chip, maxDelta: number): number {
  return writeIterations(chip, maxDelta) * iterationNs(chip);
}

/** Time of writing a crossbar row by row, given each row's largest level change, ns. */
export function crossbarWriteNs(chip: Chip, rowMaxDeltas: readonly number[]): number {
  let ns = 0;
  for (const d of rowMaxDeltas) ns += rowWriteNs(chip, d);
  return ns;
}

/** The lumped model's cost of writing one whole crossbar (PUMA's 128×128 figure, scaled by devices and rows). */
export function lumpedCrossbarWrite(chip: Chip): { readonly energyPJ: number; readonly latencyNs: number } {
  const xb = requireMacro(chip, 'lumped crossbar write').crossbar;
  return {
    energyPJ: (constantValue(chip, 'lumpedXbWriteEnergy128') * xb.rows * xb.columns * devicesPerCell(xb.cell)) / (128 * 128),
    latencyNs: (constantValue(chip, 'lumpedXbWriteNs128') * xb.rows) / 128,
  };
}
